import BlockSnapCore
import Foundation

extension EC2SnapshotService {
    /// DeleteSnapshot: the owner's snapshot unless it is still pending. Its blocks stay while
    /// any other snapshot or volume refers to them (see the garbage collector).
    public func deleteSnapshot(_ id: String, dryRun: Bool?, owner: Account) async throws {
        let snapshot = try await context.ownedSnapshot(id, owner)
        guard snapshot.status != .pending else {
            throw ServiceError(.incorrectState, "The snapshot \(id) is still pending and cannot be deleted yet.")
        }
        try context.dryRun(dryRun)
        _ = try await context.catalog.deleteSnapshot(id: id)
        garbage?.requestCollection()
    }

    /// The snapshot attributes EC2 exposes.
    public enum Attribute: String, Sendable {
        case createVolumePermission, productCodes
    }

    /// DescribeSnapshotAttribute.
    public func describeAttribute(_ id: String, attribute: String, dryRun: Bool?, owner: Account) async throws
        -> (SnapshotRecord, Attribute)
    {
        let snapshot = try await context.ownedSnapshot(id, owner)
        guard let parsed = Attribute(rawValue: attribute) else {
            throw ServiceError(.invalidParameterValue, "Value (\(attribute)) for parameter attribute is invalid.")
        }
        try context.dryRun(dryRun)
        return (snapshot, parsed)
    }

    /// Most createVolumePermission changes (account ids and groups) one ModifySnapshotAttribute may make.
    public static let maxPermissionModifications = 500

    /// ModifySnapshotAttribute for createVolumePermission: add or remove account ids of this
    /// server, never both in one call, at most `maxPermissionModifications`. A refused call
    /// changes nothing.
    public func modifyCreateVolumePermission(
        _ id: String, add: [String], remove: [String], addGroups: [String] = [], removeGroups: [String] = [],
        dryRun: Bool?, owner: Account
    ) async throws {
        let snapshot = try await context.ownedSnapshot(id, owner)
        let adding = !add.isEmpty || !addGroups.isEmpty
        let removing = !remove.isEmpty || !removeGroups.isEmpty
        guard !(adding && removing) else {
            throw ServiceError(
                .invalidParameterCombination,
                "You may add or remove createVolumePermission entries, but you cannot do both in a single operation.")
        }
        let count = add.count + remove.count + addGroups.count + removeGroups.count
        guard count <= Self.maxPermissionModifications else {
            throw ServiceError(
                .invalidParameterValue,
                "You can make up to \(Self.maxPermissionModifications) modifications to a snapshot in a single operation; this request makes \(count).")
        }
        if let group = (addGroups + removeGroups).first(where: { $0 != "all" }) {
            throw ServiceError(.invalidParameterValue, "Value (\(group)) for parameter group is invalid: the only group is 'all'.")
        }
        guard addGroups.isEmpty, removeGroups.isEmpty else {
            throw ServiceError(.invalidParameterValue, "Public snapshots (group 'all') are not supported by this server.")
        }
        guard adding || removing else {
            throw ServiceError(.missingParameter, "The request must contain the parameter UserId or CreateVolumePermission")
        }
        for user in add + remove {
            guard Self.isAccountId(user), try await context.catalog.account(id: user) != nil else {
                throw ServiceError(.invalidUserId, "User ID '\(user)' is not valid.")
            }
        }
        try context.dryRun(dryRun)
        var permitted = snapshot.createVolumePermissions.filter { !remove.contains($0) }
        for user in add where !permitted.contains(user) && user != owner.id { permitted.append(user) }
        _ = try await context.catalog.setCreateVolumePermissions(snapshotId: id, accountIds: permitted)
    }

    /// ResetSnapshotAttribute for createVolumePermission: the snapshot is private again.
    public func resetCreateVolumePermission(_ id: String, attribute: String, dryRun: Bool?, owner: Account) async throws {
        _ = try await context.ownedSnapshot(id, owner)
        guard attribute == Attribute.createVolumePermission.rawValue else {
            throw ServiceError(.invalidParameterValue, "Value (\(attribute)) for parameter attribute is invalid.")
        }
        try context.dryRun(dryRun)
        _ = try await context.catalog.setCreateVolumePermissions(snapshotId: id, accountIds: [])
    }
}

import BlockSnapCore
import Foundation

/// Parameters of DescribeSnapshots.
public struct DescribeSnapshotsInput: Sendable {
    public var snapshotIds: [String]
    public var ownerIds: [String]
    public var restorableByUserIds: [String]
    public var filters: [ResourceFilter]
    public var maxResults: Int?
    public var nextToken: String?

    /// Creates the input.
    public init(
        snapshotIds: [String] = [], ownerIds: [String] = [], restorableByUserIds: [String] = [],
        filters: [ResourceFilter] = [], maxResults: Int? = nil, nextToken: String? = nil
    ) {
        self.snapshotIds = snapshotIds
        self.ownerIds = ownerIds
        self.restorableByUserIds = restorableByUserIds
        self.filters = filters
        self.maxResults = maxResults
        self.nextToken = nextToken
    }
}

extension EC2SnapshotService {
    /// DescribeSnapshots over the snapshots the caller may use (owned or shared with it), in id
    /// order, paged by an opaque token; snapshots made through the EBS direct APIs included.
    ///
    /// Another account's snapshot (shared with the caller) comes without its tags, which only its
    /// owner sees, and tag filters do not match it.
    ///
    /// A snapshot for which `known(id, revision)` answers true comes back as
    /// `SnapshotPageEntry.known`, its record not read, when the request has no filters and no
    /// RestorableByUserIds (which need the record); otherwise every entry is a record.
    public func describeSnapshots(
        _ input: DescribeSnapshotsInput, owner: Account,
        known: @escaping @Sendable (String, Int64) -> Bool = { _, _ in false }
    ) async throws -> (snapshots: [SnapshotPageEntry], nextToken: String?) {
        try EC2Paging.validate(
            maxResults: input.maxResults, range: 5...1000, withIds: !input.snapshotIds.isEmpty, idsName: "snapshotIds")
        try Self.filters.validate(input.filters)
        for id in input.snapshotIds { try EC2Identifiers.snapshot(id) }
        for value in input.ownerIds where !Self.ownerAliases.contains(value) && !Self.isAccountId(value) {
            throw ServiceError(.invalidUserId, "Invalid user id: '\(value)' (an owner is an account ID, self or amazon).")
        }
        for value in input.restorableByUserIds where value != "self" && value != "all" && !Self.isAccountId(value) {
            throw ServiceError(.invalidUserId, "Invalid user id: '\(value)' (RestorableBy takes account IDs, self or all).")
        }
        let owners = Set(input.ownerIds.map { $0 == "self" ? owner.id : $0 })
        let restorable = Set(input.restorableByUserIds.map { $0 == "self" ? owner.id : $0 })
        let noneKnown: @Sendable (String, Int64) -> Bool = { _, _ in false }
        // Filters and RestorableByUserIds look into the record.
        let pageKnown = input.filters.isEmpty && restorable.isEmpty ? known : noneKnown
        var after = try context.paging.position(input.nextToken, operation: "DescribeSnapshots")
        let wanted = Set(input.snapshotIds)
        let limit = input.maxResults ?? Int.max
        var found: [SnapshotPageEntry] = []
        scan: while true {
            // One more than still fits tells whether a next page exists.
            let batch = limit == Int.max ? 1000 : min(1001, limit - found.count + 1)
            let page = try await context.catalog.snapshotsPage(
                visibleTo: owner.id, after: after, limit: batch, known: pageKnown)
            for entry in page {
                after = entry.id
                if !wanted.isEmpty, !wanted.contains(entry.id) { continue }
                if !owners.isEmpty, !owners.contains(entry.ownerId) { continue }
                var entry = entry
                if case .record(var snapshot, let revision) = entry, snapshot.ownerId != owner.id {
                    // Tags belong to the owner's account: one it shares a snapshot with sees none.
                    snapshot.tags = []
                    entry = .record(snapshot, revision: revision)
                }
                if let snapshot = entry.record {
                    if !restorable.isEmpty,
                        !restorable.contains(snapshot.ownerId), restorable.isDisjoint(with: snapshot.createVolumePermissions)
                    {
                        continue
                    }
                    guard Self.filters.matches(snapshot, input.filters) else { continue }
                }
                if found.count == limit {
                    return (found, context.paging.token(after: found.last!.id, operation: "DescribeSnapshots"))
                }
                found.append(entry)
            }
            if page.count < batch { break scan }
        }
        if let missing = wanted.subtracting(found.map(\.id)).sorted().first {
            throw ServiceError(.snapshotNotFound, "The snapshot '\(missing)' does not exist.")
        }
        return (found, nil)
    }

    /// The owners DescribeSnapshots takes besides account ids (no snapshot here is owned by the
    /// AWS aliases, so they select nothing).
    static let ownerAliases: Set<String> = ["self", "amazon", "aws-marketplace", "aws-backup-vault"]

    /// Twelve ASCII digits.
    static func isAccountId(_ value: String) -> Bool {
        value.utf8.count == 12 && value.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    static let filters = FilterTable<SnapshotRecord>(
        fields: [
            "snapshot-id": { [$0.id] },
            "volume-id": { [$0.volumeId ?? "vol-ffffffff"] },
            "status": { [$0.status.rawValue] },
            "owner-id": { [$0.ownerId] },
            "description": { [$0.description ?? ""] },
            "progress": { [EC2SnapshotService.progressText($0)] },
            "start-time": { [EC2Time.format($0.startTime)] },
            "volume-size": { [String($0.volumeSizeGiB)] },
            "encrypted": { [String($0.encrypted)] },
            "kms-key-id": { [$0.kmsKeyId ?? ""] },
            "owner-alias": { _ in [] },
            "storage-tier": { _ in ["standard"] },
            "transfer-type": { [$0.transferType?.rawValue ?? SnapshotTransferType.standard.rawValue] },
        ],
        tags: \.tags)

    /// EC2's progress string, e.g. `100%`.
    public static func progressText(_ snapshot: SnapshotRecord) -> String { "\(snapshot.progress)%" }
}

import BlockEngine
import BlockSnapCore
import Foundation

/// The rules of the EBS direct APIs: snapshot lifecycle, block writes, listings and reads.
///
/// Invariants: a block is durable in the object store before the catalog records it; a
/// snapshot is completed only with every written block in its map; a caller sees only its own
/// snapshots; every failure a client causes is a `ServiceError`.
public struct EBSSnapshotService: Sendable {
    /// Default and bounds of StartSnapshot's Timeout, in minutes.
    public static let defaultTimeoutMinutes = 60
    static let timeoutRange = 10...4320
    /// Bounds of MaxResults.
    static let maxResultsRange = 100...10000

    let catalog: any Catalog
    let blocks: BlockStore
    let maps: BlockMap
    let tokens: TokenSigner
    let ids: ResourceIdentifiers
    let clock: any WallClock
    let gate = SnapshotWriteGate()
    let pendingCache = PendingSnapshotCache()
    /// How long block tokens stay valid.
    let tokenLifetime: TimeInterval

    /// Creates the service.
    public init(
        catalog: any Catalog, blocks: BlockStore, maps: BlockMap, tokens: TokenSigner, ids: ResourceIdentifiers,
        clock: any WallClock, tokenLifetime: TimeInterval = 7 * 24 * 3600
    ) {
        self.catalog = catalog
        self.blocks = blocks
        self.maps = maps
        self.tokens = tokens
        self.ids = ids
        self.clock = clock
        self.tokenLifetime = tokenLifetime
    }

    // MARK: StartSnapshot

    /// Starts a pending snapshot, or returns the one made earlier with the same client token.
    public func startSnapshot(_ input: StartSnapshotInput, owner: Account) async throws -> SnapshotRecord {
        try validate(input)
        var lineage: String?
        var root: BlockHash?
        if let parentId = input.parentSnapshotId {
            let parent = try await visibleSnapshot(parentId, owner: owner)
            guard parent.status == .completed else {
                throw ServiceError(.incorrectSnapshotState, "The parent snapshot \(parentId) is not completed.")
            }
            guard input.volumeSizeGiB >= parent.volumeSizeGiB else {
                throw ServiceError(
                    .invalidVolumeSize,
                    "The volume size must be at least the parent snapshot's size (\(parent.volumeSizeGiB) GiB).")
            }
            lineage = parent.lineageId
            root = parent.rootNode
        }
        let now = clock.now()
        let timeout = input.timeoutMinutes ?? Self.defaultTimeoutMinutes
        let id = ids.snapshotId()
        let record = SnapshotRecord(
            id: id, ownerId: owner.id, status: .pending, progress: 0, volumeSizeGiB: input.volumeSizeGiB,
            description: input.description, parentId: input.parentSnapshotId, lineageId: lineage ?? id,
            rootNode: root, tags: input.tags, startTime: now, timeoutMinutes: timeout,
            deadline: now.addingTimeInterval(TimeInterval(timeout * 60)), clientToken: input.clientToken,
            requestFingerprint: input.clientToken == nil ? nil : input.fingerprint)
        switch try await catalog.insertSnapshot(record) {
        case .inserted:
            return record
        case .clientTokenExists(let existing):
            return try await reuse(existing, for: input)
        }
    }

    private func reuse(_ existing: SnapshotRecord, for input: StartSnapshotInput) async throws -> SnapshotRecord {
        guard existing.requestFingerprint == input.fingerprint else {
            throw ServiceError(
                .idempotencyConflict,
                "The client token has already been used with different parameters.")
        }
        return try await current(existing)
    }

    private func validate(_ input: StartSnapshotInput) throws {
        guard (BlockGeometry.minVolumeSizeGiB...BlockGeometry.maxVolumeSizeGiB).contains(input.volumeSizeGiB) else {
            throw ServiceError(
                .invalidVolumeSize,
                "The volume size must be between \(BlockGeometry.minVolumeSizeGiB) and \(BlockGeometry.maxVolumeSizeGiB) GiB.")
        }
        if let timeout = input.timeoutMinutes, !Self.timeoutRange.contains(timeout) {
            throw ServiceError(.invalidParameterValue, "Timeout must be between 10 and 4320 minutes.")
        }
        if let description = input.description {
            guard !description.isEmpty, description.unicodeScalars.count <= 255 else {
                throw ServiceError(.invalidParameterValue, "Description must be 1 to 255 characters.")
            }
            if let bad = TextRules.firstNotStorable(in: description) {
                throw ServiceError(.invalidParameterValue, "Description may not contain the character \(TextRules.name(bad)).")
            }
        }
        if let token = input.clientToken {
            guard !token.isEmpty, token.unicodeScalars.count <= 255, !token.contains(where: \.isWhitespace),
                TextRules.firstNotStorable(in: token) == nil
            else {
                throw ServiceError(.invalidParameterValue, "ClientToken must be 1 to 255 non-space characters.")
            }
        }
        if let parent = input.parentSnapshotId { try SnapshotIdentifier.validate(parent) }
        if input.encrypted == true, input.parentSnapshotId != nil {
            throw ServiceError(
                .invalidParameterCombination, "You can't specify ParentSnapshotId and Encrypted in the same request.")
        }
        if input.encrypted == true || input.kmsKeyArn != nil {
            throw ServiceError(
                .invalidCustomerKey,
                "Encrypted snapshots are not supported by this server yet; omit Encrypted and KmsKeyArn.")
        }
        try TagRules.validate(input.tags)
    }

    // MARK: Lookup

    /// The caller's snapshot with this id, with an overdue pending snapshot moved to `error`.
    ///
    /// The EBS direct APIs act only on the caller's own snapshots. Another account's snapshot is
    /// reported as not found (isolation: its existence is not revealed), except one shared with
    /// the caller through createVolumePermission, which the caller can see in DescribeSnapshots:
    /// that one is refused with `accessDenied` (`AccessDeniedException`, `UNAUTHORIZED_ACCOUNT`).
    func visibleSnapshot(_ id: String, owner: Account) async throws -> SnapshotRecord {
        try SnapshotIdentifier.validate(id)
        guard let snapshot = try await catalog.snapshot(id: id),
            snapshot.ownerId == owner.id || snapshot.createVolumePermissions.contains(owner.id)
        else {
            throw ServiceError(.snapshotNotFound, "The snapshot '\(id)' does not exist.")
        }
        guard snapshot.ownerId == owner.id else {
            throw ServiceError(
                .accessDenied,
                "The snapshot '\(id)' is shared with account \(owner.id) for creating volumes; the EBS direct APIs "
                    + "read and write only the account's own snapshots.")
        }
        return try await current(snapshot)
    }

    /// `snapshot` as it stands now: a pending snapshot past its deadline is failed first.
    func current(_ snapshot: SnapshotRecord) async throws -> SnapshotRecord {
        guard snapshot.status == .pending, snapshot.deadline <= clock.now() else { return snapshot }
        _ = try await catalog.failSnapshot(id: snapshot.id, message: TimeoutSweeper.timeoutMessage)
        return try await catalog.snapshot(id: snapshot.id) ?? snapshot
    }

    /// The caller's pending snapshot for a block write, from the cache when it can be trusted.
    func pendingSnapshot(_ id: String, owner: Account) async throws -> SnapshotRecord {
        if let cached = pendingCache.get(id), cached.ownerId == owner.id, cached.deadline > clock.now() {
            return cached
        }
        let snapshot = try await visibleSnapshot(id, owner: owner)
        pendingCache.put(snapshot)
        return snapshot
    }

    func requireCompleted(_ snapshot: SnapshotRecord) throws {
        guard snapshot.status == .completed else {
            throw ServiceError(
                .incorrectSnapshotState, "The snapshot '\(snapshot.id)' is \(snapshot.status.rawValue), not completed.")
        }
    }

    /// A snapshot that takes blocks through PutSnapshotBlock and CompleteSnapshot: pending, and
    /// started with StartSnapshot (a snapshot of a volume is filled by its capturer alone).
    func requirePending(_ snapshot: SnapshotRecord) throws {
        guard snapshot.status == .pending else {
            throw ServiceError(
                .incorrectSnapshotState, "The snapshot '\(snapshot.id)' is \(snapshot.status.rawValue), not pending.")
        }
        guard snapshot.volumeId == nil else {
            throw ServiceError(
                .incorrectSnapshotState,
                "The snapshot '\(snapshot.id)' is being taken of volume \(snapshot.volumeId!); only snapshots made with StartSnapshot accept blocks.")
        }
    }
}

/// The syntax of snapshot ids: `snap-` followed by hex digits, at most 64 characters.
public enum SnapshotIdentifier {
    /// Throws `invalidSnapshotId` unless `id` has the right shape.
    public static func validate(_ id: String) throws(ServiceError) {
        let hex = id.utf8.dropFirst(5)
        guard id.hasPrefix("snap-"), id.utf8.count <= 64, !hex.isEmpty,
            hex.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
        else {
            throw ServiceError(.invalidSnapshotId, "The snapshot ID '\(id)' is not valid.")
        }
    }
}

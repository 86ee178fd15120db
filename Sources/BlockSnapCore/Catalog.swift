import Foundation

/// The result of inserting a snapshot that may carry an idempotency token.
public enum SnapshotInsertOutcome: Sendable, Equatable {
    /// The snapshot was stored.
    case inserted
    /// The owner already has a snapshot with the same client token; nothing was stored.
    case clientTokenExists(SnapshotRecord)
}

/// One entry of a pending snapshot's written blocks.
public struct WrittenBlock: Sendable, Equatable {
    /// Block index in the volume.
    public var index: Int64
    /// What was written there.
    public var ref: BlockRef

    /// Creates an entry.
    public init(index: Int64, ref: BlockRef) {
        self.index = index
        self.ref = ref
    }
}

/// An encoded block-map node keyed by the SHA-256 of its encoding.
public struct MapNodeRecord: Sendable, Equatable {
    /// SHA-256 of `body`.
    public var hash: BlockHash
    /// The node's versioned encoding (see `docs/block-map.md`).
    public var body: [UInt8]

    /// Creates a record.
    public init(hash: BlockHash, body: [UInt8]) {
        self.hash = hash
        self.body = body
    }
}

/// The metadata store: accounts, keys, snapshots, written blocks and block-map nodes.
///
/// Invariants every implementation keeps: each method is one transaction; a snapshot's status
/// only moves `pending → completed` or `pending → error`; `recordBlock` and `completeSnapshot`
/// act only on a snapshot that is still pending; map nodes are immutable once stored.
public protocol Catalog: Sendable {
    // MARK: Accounts and keys

    /// Stores a new account with its first access key. Throws if the name, id or key id exists.
    func createAccount(_ account: Account, key: AccessKey) async throws
    /// The account with this name, if any.
    func account(named name: String) async throws -> Account?
    /// The account with this id, if any.
    func account(id: String) async throws -> Account?
    /// The access key with this id, if any.
    func accessKey(id: String) async throws -> AccessKey?
    /// Every account, oldest first.
    func accounts() async throws -> [Account]

    // MARK: Settings

    /// A server setting, if set.
    func setting(_ key: String) async throws -> [UInt8]?
    /// Sets a setting unless it is set; returns the value that is stored afterwards.
    func setSettingIfAbsent(_ key: String, _ value: [UInt8]) async throws -> [UInt8]

    // MARK: Snapshots

    /// Inserts a snapshot, unless the owner already used its client token.
    func insertSnapshot(_ snapshot: SnapshotRecord) async throws -> SnapshotInsertOutcome
    /// The snapshot with this id, if any.
    func snapshot(id: String) async throws -> SnapshotRecord?
    /// Records a block written to a pending snapshot (the last write to an index wins), sets the
    /// progress if given and moves the deadline. Returns false, changing nothing, unless pending.
    func recordBlock(snapshotId: String, block: WrittenBlock, progress: Int?, deadline: Date) async throws -> Bool
    /// The blocks written to a pending snapshot, by ascending index.
    func writtenBlocks(snapshotId: String) async throws -> [WrittenBlock]
    /// How many distinct indexes were written to a pending snapshot.
    func writtenBlockCount(snapshotId: String) async throws -> Int
    /// Atomically stores `nodes`, sets the root, marks the snapshot completed with progress 100
    /// and forgets its written-block list. Returns false, changing nothing, unless pending.
    func completeSnapshot(
        id: String, rootNode: BlockHash?, nodes: [MapNodeRecord], changedBlocksCount: Int, completionTime: Date
    ) async throws -> Bool
    /// Moves a pending snapshot to `error` with a reason. Returns false unless it was pending.
    func failSnapshot(id: String, message: String) async throws -> Bool
    /// Pending snapshots whose deadline is at or before `now`.
    func expiredPendingSnapshots(now: Date) async throws -> [SnapshotRecord]
    /// All snapshots of an owner, by start time.
    func snapshots(ownerId: String) async throws -> [SnapshotRecord]

    // MARK: Block-map nodes

    /// The encoded node with this hash, if stored.
    func mapNode(_ hash: BlockHash) async throws -> [UInt8]?
}

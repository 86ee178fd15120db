import Foundation

/// The lifecycle state of a snapshot: `pending` moves to `completed` or `error`, never back.
public enum SnapshotStatus: String, Sendable, Codable {
    case pending
    case completed
    case error
}

/// How a snapshot copy was made (EC2's `TransferType`): `standard` copies complete on a
/// best-effort basis, `time-based` ones within the completion duration asked for.
public enum SnapshotTransferType: String, Sendable, Codable {
    case standard
    case timeBased = "time-based"
}

/// A snapshot as the catalog stores it. A `completed` snapshot's `rootNode` names a block map
/// whose every data block is durable in the object store; `nil` is the empty map.
public struct SnapshotRecord: Sendable, Equatable {
    /// `snap-` followed by 17 lowercase hex digits.
    public var id: String
    /// The 12-digit account that owns it.
    public var ownerId: String
    /// Lifecycle state.
    public var status: SnapshotStatus
    /// 0–100.
    public var progress: Int
    /// Volume size in GiB.
    public var volumeSizeGiB: Int64
    /// Free text up to 255 characters.
    public var description: String?
    /// The snapshot this one started from, if any.
    public var parentId: String?
    /// The id of the first snapshot of the chain; relatives share it.
    public var lineageId: String
    /// Root of the block map once completed (or the parent's root while pending).
    public var rootNode: BlockHash?
    /// Tags given at creation.
    public var tags: [Tag]
    /// When the snapshot was started.
    public var startTime: Date
    /// Minutes without progress after which a pending snapshot moves to `error`.
    public var timeoutMinutes: Int
    /// When a pending snapshot moves to `error` unless it gets a block or completes first.
    public var deadline: Date
    /// The caller's idempotency token, if given.
    public var clientToken: String?
    /// A digest of the parameters sent with `clientToken`, to detect conflicting reuse.
    public var requestFingerprint: String?
    /// Why the snapshot is in `error`, if it is.
    public var statusMessage: String?
    /// Blocks written to this snapshot (set on completion).
    public var changedBlocksCount: Int?
    /// When it completed.
    public var completionTime: Date?
    /// The volume it was taken of; nil for snapshots made through the EBS direct APIs.
    public var volumeId: String?
    /// Whether its blocks are encrypted.
    public var encrypted: Bool = false
    /// The KMS key of an encrypted snapshot.
    public var kmsKeyId: String?
    /// Account ids (other than the owner) allowed to create volumes from it.
    public var createVolumePermissions: [String] = []
    /// Marketplace product codes carried from the volume.
    public var productCodes: [String] = []
    /// How a copy was made; nil for snapshots that are not copies.
    public var transferType: SnapshotTransferType?
    /// The completion duration a time-based copy asked for, in minutes.
    public var completionDurationMinutes: Int?

    /// Creates a record; see the properties for meanings.
    public init(
        id: String, ownerId: String, status: SnapshotStatus, progress: Int, volumeSizeGiB: Int64,
        description: String?, parentId: String?, lineageId: String, rootNode: BlockHash?, tags: [Tag],
        startTime: Date, timeoutMinutes: Int, deadline: Date, clientToken: String?,
        requestFingerprint: String?, statusMessage: String? = nil, changedBlocksCount: Int? = nil,
        completionTime: Date? = nil
    ) {
        self.id = id
        self.ownerId = ownerId
        self.status = status
        self.progress = progress
        self.volumeSizeGiB = volumeSizeGiB
        self.description = description
        self.parentId = parentId
        self.lineageId = lineageId
        self.rootNode = rootNode
        self.tags = tags
        self.startTime = startTime
        self.timeoutMinutes = timeoutMinutes
        self.deadline = deadline
        self.clientToken = clientToken
        self.requestFingerprint = requestFingerprint
        self.statusMessage = statusMessage
        self.changedBlocksCount = changedBlocksCount
        self.completionTime = completionTime
    }

    /// Number of 512 KiB blocks in the volume.
    public var blockCount: Int64 { BlockGeometry.blockCount(volumeSizeGiB: volumeSizeGiB) }
}

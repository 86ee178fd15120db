import Foundation

/// The lifecycle state of a volume, as EC2 names it.
public enum VolumeState: String, Sendable, Codable, CaseIterable {
    case creating, available, inUse = "in-use", deleting, deleted, error
}

/// A volume's attachment to an instance.
public struct VolumeAttachmentRecord: Sendable, Equatable {
    public var instanceId: String
    public var device: String
    public var attachTime: Date
    public var deleteOnTermination: Bool

    /// Creates an attachment.
    public init(instanceId: String, device: String, attachTime: Date, deleteOnTermination: Bool) {
        self.instanceId = instanceId
        self.device = device
        self.attachTime = attachTime
        self.deleteOnTermination = deleteOnTermination
    }
}

/// A volume as the catalog stores it. Its content is the block map `baseRoot` (from the
/// snapshot it was created from, or its latest snapshot) overlaid with the blocks written
/// since, which live in the volume store of the node serving it.
public struct VolumeRecord: Sendable, Equatable {
    /// `vol-` and 17 lowercase hex digits.
    public var id: String
    public var ownerId: String
    public var sizeGiB: Int64
    public var availabilityZone: String
    public var volumeType: String
    public var iops: Int?
    public var throughput: Int?
    public var state: VolumeState
    /// The snapshot the volume was created from, if any.
    public var snapshotId: String?
    public var createTime: Date
    public var encrypted: Bool
    public var kmsKeyId: String?
    public var tags: [Tag]
    public var attachment: VolumeAttachmentRecord?
    /// The block map unchanged blocks are read from (nil: all zeros).
    public var baseRoot: BlockHash?
    /// The volume's latest snapshot, the predecessor of its next one.
    public var lastSnapshotId: String?
    /// Lineage shared with the snapshots of this volume.
    public var lineageId: String
    public var clientToken: String?
    public var productCodes: [String]
    /// Multi-Attach was asked for at creation (io1/io2 only).
    public var multiAttachEnabled: Bool
    /// When the volume was modified (ModifyVolume) within the rolling limit's window, oldest first.
    public var modificationTimes: [Date]

    /// Creates a record.
    public init(
        id: String, ownerId: String, sizeGiB: Int64, availabilityZone: String, volumeType: String, iops: Int?,
        throughput: Int?, state: VolumeState, snapshotId: String?, createTime: Date, encrypted: Bool,
        kmsKeyId: String?, tags: [Tag], attachment: VolumeAttachmentRecord?, baseRoot: BlockHash?,
        lastSnapshotId: String?, lineageId: String, clientToken: String?, productCodes: [String] = [],
        multiAttachEnabled: Bool = false, modificationTimes: [Date] = []
    ) {
        self.id = id
        self.ownerId = ownerId
        self.sizeGiB = sizeGiB
        self.availabilityZone = availabilityZone
        self.volumeType = volumeType
        self.iops = iops
        self.throughput = throughput
        self.state = state
        self.snapshotId = snapshotId
        self.createTime = createTime
        self.encrypted = encrypted
        self.kmsKeyId = kmsKeyId
        self.tags = tags
        self.attachment = attachment
        self.baseRoot = baseRoot
        self.lastSnapshotId = lastSnapshotId
        self.lineageId = lineageId
        self.clientToken = clientToken
        self.productCodes = productCodes
        self.multiAttachEnabled = multiAttachEnabled
        self.modificationTimes = modificationTimes
    }
}

/// The lifecycle state of an instance, as EC2 names it (with its numeric code).
public enum InstanceState: String, Sendable, Codable, CaseIterable {
    case pending, running, shuttingDown = "shutting-down", terminated, stopping, stopped

    /// EC2's numeric state code.
    public var code: Int {
        switch self {
        case .pending: 0
        case .running: 16
        case .shuttingDown: 32
        case .terminated: 48
        case .stopping: 64
        case .stopped: 80
        }
    }
}

/// An instance: a record that groups attached volumes. No compute runs.
public struct InstanceRecord: Sendable, Equatable {
    /// `i-` and 17 lowercase hex digits.
    public var id: String
    public var ownerId: String
    public var reservationId: String
    public var imageId: String
    public var instanceType: String
    public var state: InstanceState
    public var launchTime: Date
    public var availabilityZone: String
    public var rootDeviceName: String
    public var tags: [Tag]
    public var clientToken: String?

    /// Creates a record.
    public init(
        id: String, ownerId: String, reservationId: String, imageId: String, instanceType: String,
        state: InstanceState, launchTime: Date, availabilityZone: String, rootDeviceName: String, tags: [Tag],
        clientToken: String?
    ) {
        self.id = id
        self.ownerId = ownerId
        self.reservationId = reservationId
        self.imageId = imageId
        self.instanceType = instanceType
        self.state = state
        self.launchTime = launchTime
        self.availabilityZone = availabilityZone
        self.rootDeviceName = rootDeviceName
        self.tags = tags
        self.clientToken = clientToken
    }
}

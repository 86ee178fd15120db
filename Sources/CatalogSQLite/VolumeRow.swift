import BlockSnapCore
import Foundation
import GRDB

/// One row of `volumes`. Tags live in `resource_tags`; the four attachment columns are all
/// NULL (detached) or all set; `product_codes` and `modification_times` are JSON arrays.
/// Decoded by hand, like `SnapshotRow`.
struct VolumeRow: Encodable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "volumes"
    static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    var id: String
    var ownerId: String
    var sizeGib: Int64
    var availabilityZone: String
    var volumeType: String
    var iops: Int?
    var throughput: Int?
    var state: String
    var snapshotId: String?
    var createTime: Int64
    var encrypted: Bool
    var kmsKeyId: String?
    var instanceId: String?
    var device: String?
    var attachTime: Int64?
    var deleteOnTermination: Bool?
    var baseRoot: Data?
    var lastSnapshotId: String?
    var lineageId: String
    var clientToken: String?
    var productCodes: String
    var multiAttachEnabled: Bool
    var modificationTimes: String

    init(_ volume: VolumeRecord) {
        id = volume.id
        ownerId = volume.ownerId
        sizeGib = volume.sizeGiB
        availabilityZone = volume.availabilityZone
        volumeType = volume.volumeType
        iops = volume.iops
        throughput = volume.throughput
        state = volume.state.rawValue
        snapshotId = volume.snapshotId
        createTime = Milliseconds.from(volume.createTime)
        encrypted = volume.encrypted
        kmsKeyId = volume.kmsKeyId
        instanceId = volume.attachment?.instanceId
        device = volume.attachment?.device
        attachTime = volume.attachment.map { Milliseconds.from($0.attachTime) }
        deleteOnTermination = volume.attachment?.deleteOnTermination
        baseRoot = volume.baseRoot.map { Data($0.bytes) }
        lastSnapshotId = volume.lastSnapshotId
        lineageId = volume.lineageId
        clientToken = volume.clientToken
        productCodes = StoredStrings.encode(volume.productCodes)
        multiAttachEnabled = volume.multiAttachEnabled
        modificationTimes = StoredTimes.encode(volume.modificationTimes)
    }

    init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        ownerId = try row.decode(forColumn: "owner_id")
        sizeGib = try row.decode(forColumn: "size_gib")
        availabilityZone = try row.decode(forColumn: "availability_zone")
        volumeType = try row.decode(forColumn: "volume_type")
        iops = try row.decode(forColumn: "iops")
        throughput = try row.decode(forColumn: "throughput")
        state = try row.decode(forColumn: "state")
        snapshotId = try row.decode(forColumn: "snapshot_id")
        createTime = try row.decode(forColumn: "create_time")
        encrypted = try row.decode(forColumn: "encrypted")
        kmsKeyId = try row.decode(forColumn: "kms_key_id")
        instanceId = try row.decode(forColumn: "instance_id")
        device = try row.decode(forColumn: "device")
        attachTime = try row.decode(forColumn: "attach_time")
        deleteOnTermination = try row.decode(forColumn: "delete_on_termination")
        baseRoot = try row.decode(forColumn: "base_root")
        lastSnapshotId = try row.decode(forColumn: "last_snapshot_id")
        lineageId = try row.decode(forColumn: "lineage_id")
        clientToken = try row.decode(forColumn: "client_token")
        productCodes = try row.decode(forColumn: "product_codes")
        multiAttachEnabled = try row.decode(forColumn: "multi_attach_enabled")
        modificationTimes = try row.decode(forColumn: "modification_times")
    }

    /// The domain record, with `tags` in their stored order.
    func record(tags: [Tag]) throws -> VolumeRecord {
        guard let state = VolumeState(rawValue: state) else {
            throw SQLiteCatalogError(.corruptRow, "volume \(id) has unknown state '\(state)'")
        }
        var attachment: VolumeAttachmentRecord?
        if let instanceId, let device, let attachTime, let deleteOnTermination {
            attachment = VolumeAttachmentRecord(
                instanceId: instanceId, device: device, attachTime: Milliseconds.date(attachTime),
                deleteOnTermination: deleteOnTermination)
        }
        return VolumeRecord(
            id: id, ownerId: ownerId, sizeGiB: sizeGib, availabilityZone: availabilityZone, volumeType: volumeType,
            iops: iops, throughput: throughput, state: state, snapshotId: snapshotId,
            createTime: Milliseconds.date(createTime), encrypted: encrypted, kmsKeyId: kmsKeyId, tags: tags,
            attachment: attachment,
            baseRoot: try baseRoot.map { try StoredHash.decode($0, what: "base root of \(id)") },
            lastSnapshotId: lastSnapshotId, lineageId: lineageId, clientToken: clientToken,
            productCodes: try StoredStrings.decode(productCodes, what: "product codes of \(id)"),
            multiAttachEnabled: multiAttachEnabled,
            modificationTimes: try StoredTimes.decode(modificationTimes, what: "modification times of \(id)"))
    }
}

import BlockSnapCore
import Foundation
import GRDB

/// One row of `snapshots`. Tags live in `resource_tags`, create-volume permissions in
/// `snapshot_create_volume_permissions`; `product_codes` is a JSON array. Rows are decoded by
/// hand (`init(row:)`): `Decodable` made a page of 1000 snapshots cost ten times as much.
struct SnapshotRow: Encodable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "snapshots"
    static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    var id: String
    var ownerId: String
    var status: String
    var progress: Int
    var volumeSizeGib: Int64
    var description: String?
    var parentId: String?
    var lineageId: String
    var rootNode: Data?
    var startTime: Int64
    var timeoutMinutes: Int
    var deadline: Int64
    var clientToken: String?
    var requestFingerprint: String?
    var statusMessage: String?
    var changedBlocksCount: Int?
    var completionTime: Int64?
    var volumeId: String?
    var encrypted: Bool
    var kmsKeyId: String?
    var productCodes: String

    init(_ record: SnapshotRecord) {
        id = record.id
        ownerId = record.ownerId
        status = record.status.rawValue
        progress = record.progress
        volumeSizeGib = record.volumeSizeGiB
        description = record.description
        parentId = record.parentId
        lineageId = record.lineageId
        rootNode = record.rootNode.map { Data($0.bytes) }
        startTime = Milliseconds.from(record.startTime)
        timeoutMinutes = record.timeoutMinutes
        deadline = Milliseconds.from(record.deadline)
        clientToken = record.clientToken
        requestFingerprint = record.requestFingerprint
        statusMessage = record.statusMessage
        changedBlocksCount = record.changedBlocksCount
        completionTime = record.completionTime.map(Milliseconds.from)
        volumeId = record.volumeId
        encrypted = record.encrypted
        kmsKeyId = record.kmsKeyId
        productCodes = StoredStrings.encode(record.productCodes)
    }

    init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        ownerId = try row.decode(forColumn: "owner_id")
        status = try row.decode(forColumn: "status")
        progress = try row.decode(forColumn: "progress")
        volumeSizeGib = try row.decode(forColumn: "volume_size_gib")
        description = try row.decode(forColumn: "description")
        parentId = try row.decode(forColumn: "parent_id")
        lineageId = try row.decode(forColumn: "lineage_id")
        rootNode = try row.decode(forColumn: "root_node")
        startTime = try row.decode(forColumn: "start_time")
        timeoutMinutes = try row.decode(forColumn: "timeout_minutes")
        deadline = try row.decode(forColumn: "deadline")
        clientToken = try row.decode(forColumn: "client_token")
        requestFingerprint = try row.decode(forColumn: "request_fingerprint")
        statusMessage = try row.decode(forColumn: "status_message")
        changedBlocksCount = try row.decode(forColumn: "changed_blocks_count")
        completionTime = try row.decode(forColumn: "completion_time")
        volumeId = try row.decode(forColumn: "volume_id")
        encrypted = try row.decode(forColumn: "encrypted")
        kmsKeyId = try row.decode(forColumn: "kms_key_id")
        productCodes = try row.decode(forColumn: "product_codes")
    }

    /// The domain record, with `tags` in their stored order and the permitted account ids.
    func record(tags: [Tag], createVolumePermissions: [String]) throws -> SnapshotRecord {
        guard let status = SnapshotStatus(rawValue: status) else {
            throw SQLiteCatalogError(.corruptRow, "snapshot \(id) has unknown status '\(status)'")
        }
        var record = SnapshotRecord(
            id: id, ownerId: ownerId, status: status, progress: progress, volumeSizeGiB: volumeSizeGib,
            description: description, parentId: parentId, lineageId: lineageId,
            rootNode: try rootNode.map { try StoredHash.decode($0, what: "root node of \(id)") }, tags: tags,
            startTime: Milliseconds.date(startTime), timeoutMinutes: timeoutMinutes,
            deadline: Milliseconds.date(deadline), clientToken: clientToken, requestFingerprint: requestFingerprint,
            statusMessage: statusMessage, changedBlocksCount: changedBlocksCount,
            completionTime: completionTime.map(Milliseconds.date))
        record.volumeId = volumeId
        record.encrypted = encrypted
        record.kmsKeyId = kmsKeyId
        record.createVolumePermissions = createVolumePermissions
        record.productCodes = try StoredStrings.decode(productCodes, what: "product codes of \(id)")
        return record
    }
}

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
    var transferType: String?
    var completionDurationMinutes: Int?

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
        transferType = record.transferType?.rawValue
        completionDurationMinutes = record.completionDurationMinutes
    }

    init(row: Row) throws {
        try self.init(row: row, layout: Layout(row))
    }

    /// Decodes a row whose columns lie where `layout` says.
    init(row: Row, layout: Layout) throws {
        id = try row.decode(atIndex: layout.id)
        ownerId = try row.decode(atIndex: layout.ownerId)
        status = try row.decode(atIndex: layout.status)
        progress = try row.decode(atIndex: layout.progress)
        volumeSizeGib = try row.decode(atIndex: layout.volumeSizeGib)
        description = try row.decode(atIndex: layout.description)
        parentId = try row.decode(atIndex: layout.parentId)
        lineageId = try row.decode(atIndex: layout.lineageId)
        rootNode = try row.decode(atIndex: layout.rootNode)
        startTime = try row.decode(atIndex: layout.startTime)
        timeoutMinutes = try row.decode(atIndex: layout.timeoutMinutes)
        deadline = try row.decode(atIndex: layout.deadline)
        clientToken = try row.decode(atIndex: layout.clientToken)
        requestFingerprint = try row.decode(atIndex: layout.requestFingerprint)
        statusMessage = try row.decode(atIndex: layout.statusMessage)
        changedBlocksCount = try row.decode(atIndex: layout.changedBlocksCount)
        completionTime = try row.decode(atIndex: layout.completionTime)
        volumeId = try row.decode(atIndex: layout.volumeId)
        encrypted = try row.decode(atIndex: layout.encrypted)
        kmsKeyId = try row.decode(atIndex: layout.kmsKeyId)
        productCodes = try row.decode(atIndex: layout.productCodes)
        transferType = try row.decode(atIndex: layout.transferType)
        completionDurationMinutes = try row.decode(atIndex: layout.completionDurationMinutes)
    }

    /// Where each column of `snapshots` lies in the rows of one statement, found by name once
    /// per statement rather than once per row and column (a page of 1000 rows did 21 000
    /// name searches).
    struct Layout {
        let id, ownerId, status, progress, volumeSizeGib, description, parentId, lineageId, rootNode, startTime, timeoutMinutes, deadline, clientToken, requestFingerprint, statusMessage, changedBlocksCount, completionTime, volumeId, encrypted, kmsKeyId, productCodes, transferType, completionDurationMinutes: Int
        /// `revision` (v5): not a property of the row, read by `PageStamp`.
        let revision: Int

        /// The positions in `row` (any row of the statement).
        init(_ row: Row) throws {
            let names = Array(row.columnNames)
            func at(_ column: String) throws -> Int {
                guard let index = names.firstIndex(of: column) else {
                    throw SQLiteCatalogError(.corruptRow, "snapshot rows have no column \(column)")
                }
                return index
            }
            id = try at("id")
            ownerId = try at("owner_id")
            status = try at("status")
            progress = try at("progress")
            volumeSizeGib = try at("volume_size_gib")
            description = try at("description")
            parentId = try at("parent_id")
            lineageId = try at("lineage_id")
            rootNode = try at("root_node")
            startTime = try at("start_time")
            timeoutMinutes = try at("timeout_minutes")
            deadline = try at("deadline")
            clientToken = try at("client_token")
            requestFingerprint = try at("request_fingerprint")
            statusMessage = try at("status_message")
            changedBlocksCount = try at("changed_blocks_count")
            completionTime = try at("completion_time")
            volumeId = try at("volume_id")
            encrypted = try at("encrypted")
            kmsKeyId = try at("kms_key_id")
            productCodes = try at("product_codes")
            transferType = try at("transfer_type")
            completionDurationMinutes = try at("completion_duration_minutes")
            revision = try at("revision")
        }
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
        if let transferType {
            guard let parsed = SnapshotTransferType(rawValue: transferType) else {
                throw SQLiteCatalogError(.corruptRow, "snapshot \(id) has unknown transfer type '\(transferType)'")
            }
            record.transferType = parsed
        }
        record.completionDurationMinutes = completionDurationMinutes
        return record
    }
}

import BlockSnapCore
import Foundation
import GRDB

/// Times are stored as integer milliseconds since 1970, rounded to the nearest millisecond;
/// a time with whole milliseconds round trips exactly.
enum Milliseconds {
    /// The stored form of `date`.
    static func from(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    /// The date a stored value stands for.
    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
}

/// One row of `accounts`.
struct AccountRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "accounts"
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    var id: String
    var name: String
    var createdAt: Int64

    init(_ account: Account) {
        id = account.id
        name = account.name
        createdAt = Milliseconds.from(account.createdAt)
    }

    var account: Account { Account(id: id, name: name, createdAt: Milliseconds.date(createdAt)) }
}

/// One row of `access_keys`.
struct AccessKeyRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "access_keys"
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    var accessKeyId: String
    var accountId: String
    var secretAccessKey: String
    var createdAt: Int64

    init(_ key: AccessKey, createdAt: Date) {
        accessKeyId = key.accessKeyId
        accountId = key.accountId
        secretAccessKey = key.secretAccessKey
        self.createdAt = Milliseconds.from(createdAt)
    }

    var accessKey: AccessKey {
        AccessKey(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey, accountId: accountId)
    }
}

/// One row of `snapshots` (tags live in `snapshot_tags`).
struct SnapshotRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "snapshots"
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
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
    }

    /// The domain record, with `tags` in their stored order.
    func record(tags: [Tag]) throws -> SnapshotRecord {
        guard let status = SnapshotStatus(rawValue: status) else {
            throw SQLiteCatalogError(.corruptRow, "snapshot \(id) has unknown status '\(status)'")
        }
        return SnapshotRecord(
            id: id, ownerId: ownerId, status: status, progress: progress, volumeSizeGiB: volumeSizeGib,
            description: description, parentId: parentId, lineageId: lineageId,
            rootNode: try rootNode.map { try StoredHash.decode($0, what: "root node of \(id)") }, tags: tags,
            startTime: Milliseconds.date(startTime), timeoutMinutes: timeoutMinutes,
            deadline: Milliseconds.date(deadline), clientToken: clientToken, requestFingerprint: requestFingerprint,
            statusMessage: statusMessage, changedBlocksCount: changedBlocksCount,
            completionTime: completionTime.map(Milliseconds.date))
    }
}

/// One row of `snapshot_tags`: `position` keeps the order the tags were given in.
struct SnapshotTagRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "snapshot_tags"
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    var snapshotId: String
    var position: Int
    var key: String
    var value: String

    var tag: Tag { Tag(key: key, value: value) }
}

/// Block hashes as 32-byte BLOBs.
enum StoredHash {
    /// A hash from its stored bytes; throws `corruptRow` for any other length.
    static func decode(_ data: Data, what: @autoclosure () -> String) throws -> BlockHash {
        guard let hash = BlockHash(bytes: [UInt8](data)) else {
            throw SQLiteCatalogError(.corruptRow, "\(what()) is \(data.count) bytes, not 32")
        }
        return hash
    }
}

/// `written_blocks.kind`: what a written block is.
enum WrittenBlockKind {
    /// An all-zero block; `hash` is NULL.
    static let zero: Int64 = 0
    /// A data block; `hash` is its SHA-256.
    static let data: Int64 = 1
}

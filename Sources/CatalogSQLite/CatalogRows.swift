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

/// Lists of strings as JSON arrays: product codes in TEXT columns, and id lists bound as one
/// parameter and read with `json_each` (any length, unlike `IN (?, ?, …)`).
enum StoredStrings {
    /// The stored form of `strings`.
    static func encode(_ strings: [String]) -> String {
        // By hand: JSONEncoder made a page of 1000 snapshot ids cost about a millisecond.
        var json = "["
        for (position, string) in strings.enumerated() {
            if position > 0 { json += "," }
            appendJSONString(string, to: &json)
        }
        return json + "]"
    }

    /// Appends `string` as a JSON string (RFC 8259): quotes, backslashes and control
    /// characters escaped, everything else as is.
    private static func appendJSONString(_ string: String, to json: inout String) {
        json += "\""
        guard string.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") })
        else {
            json += string
            json += "\""
            return
        }
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case "\n": json += "\\n"
            case "\r": json += "\\r"
            case "\t": json += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: json.unicodeScalars.append(scalar)
            }
        }
        json += "\""
    }

    /// The strings a stored value stands for; throws `corruptRow` for anything but an array
    /// of strings.
    static func decode(_ text: String, what: @autoclosure () -> String) throws -> [String] {
        try StoredArray.decode(text, as: String.self, of: "strings", what: what())
    }
}

/// A stored JSON array read back.
enum StoredArray {
    /// The elements of `text`; throws `corruptRow` ("… is not a JSON array of `kind`") for
    /// anything but a JSON array of `Element`.
    static func decode<Element: Decodable>(
        _ text: String, as: Element.Type, of kind: String, what: @autoclosure () -> String
    ) throws -> [Element] {
        if text == "[]" { return [] }
        guard let elements = try? JSONDecoder().decode([Element].self, from: Data(text.utf8)) else {
            throw SQLiteCatalogError(.corruptRow, "\(what()) is not a JSON array of \(kind)")
        }
        return elements
    }
}

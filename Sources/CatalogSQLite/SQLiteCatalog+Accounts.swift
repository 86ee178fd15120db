import BlockSnapCore
import Foundation
import GRDB

extension SQLiteCatalog {
    // MARK: Accounts and keys

    public func createAccount(_ account: Account, key: AccessKey) async throws {
        guard key.accountId == account.id else {
            throw SQLiteCatalogError(.invalidArgument, "access key \(key.accessKeyId) belongs to another account")
        }
        try await writeUnique("an account named '\(account.name)', id \(account.id) or key \(key.accessKeyId)") {
            db in
            try AccountRow(account).insert(db)
            try AccessKeyRow(key, createdAt: account.createdAt).insert(db)
        }
    }

    public func account(named name: String) async throws -> Account? {
        try await pool.read { db in
            try AccountRow.filter(Column("name") == name).fetchOne(db)?.account
        }
    }

    public func account(id: String) async throws -> Account? {
        try await pool.read { db in try AccountRow.fetchOne(db, key: id)?.account }
    }

    public func accessKey(id: String) async throws -> AccessKey? {
        try await pool.read { db in try AccessKeyRow.fetchOne(db, key: id)?.accessKey }
    }

    public func accounts() async throws -> [Account] {
        try await pool.read { db in
            try AccountRow.fetchAll(db, sql: "SELECT * FROM accounts ORDER BY created_at, rowid").map(\.account)
        }
    }

    // MARK: Settings

    public func setting(_ key: String) async throws -> [UInt8]? {
        try await pool.read { db in
            try Data.fetchOne(db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [key]).map { [UInt8]($0) }
        }
    }

    public func setSettingIfAbsent(_ key: String, _ value: [UInt8]) async throws -> [UInt8] {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                arguments: [key, Data(value)])
            let stored = try Data.fetchOne(db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [key])
            return stored.map { [UInt8]($0) } ?? value
        }
    }
}

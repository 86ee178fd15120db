import Foundation
import GRDB

/// The durable map `key → PackLocation` of a packed object store, in its own SQLite file
/// (WAL, `synchronous = FULL`).
///
/// Invariant: a row is only ever written after the bytes it points to were made durable in
/// their pack, so every row names a whole object; a committed change survives a crash.
final class PackIndex: Sendable {
    private let pool: DatabasePool

    /// Opens (creating it if absent) the index file at `path`.
    init(path: String) throws {
        var configuration = Configuration()
        configuration.label = "blocksnap.object-packs"
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB lowers the writer to NORMAL when it enables WAL; every commit must be fsync'd.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try pool.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS objects (
                        key TEXT PRIMARY KEY NOT NULL,
                        pack INTEGER NOT NULL,
                        offset INTEGER NOT NULL,
                        length INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX IF NOT EXISTS objects_by_pack ON objects (pack, offset);
                    """)
        }
        self.pool = pool
    }

    /// Where `key` lies, nil if the index has no such key.
    func location(of key: String) throws -> PackLocation? {
        try pool.read { db in try Self.location(of: key, db) }
    }

    /// Records new objects in one transaction (replacing older rows of the same keys).
    func insert(_ entries: [(key: String, location: PackLocation)]) throws {
        try pool.write { db in
            let statement = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO objects (key, pack, offset, length) VALUES (?, ?, ?, ?)")
            for (key, location) in entries {
                try statement.execute(arguments: [key, location.pack, location.offset, location.length])
            }
        }
    }

    /// Points each key at its new location if it still lies at `from` (a key deleted or
    /// rewritten meanwhile is left alone).
    func move(_ moves: [(key: String, from: PackLocation, to: PackLocation)]) throws {
        try pool.write { db in
            let statement = try db.cachedStatement(
                sql: "UPDATE objects SET pack = ?, offset = ?, length = ? WHERE key = ? AND pack = ? AND offset = ?")
            for move in moves {
                try statement.execute(arguments: [
                    move.to.pack, move.to.offset, move.to.length, move.key, move.from.pack, move.from.offset,
                ])
            }
        }
    }

    /// Removes `key`; returns where it was, nil if it was not indexed.
    func remove(_ key: String) throws -> PackLocation? {
        try pool.write { db in
            guard let location = try Self.location(of: key, db) else { return nil }
            try db.execute(sql: "DELETE FROM objects WHERE key = ?", arguments: [key])
            return location
        }
    }

    /// Every indexed key that starts with `prefix`, ascending (keys are ASCII below 0x7F).
    func keys(prefix: String) throws -> [String] {
        try pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT key FROM objects WHERE key >= ? AND key < ? ORDER BY key",
                arguments: [prefix, prefix + "\u{7F}"])
        }
    }

    /// The objects that lie in `pack`, by offset.
    func objects(inPack pack: Int64) throws -> [(key: String, location: PackLocation)] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT key, offset, length FROM objects WHERE pack = ? ORDER BY offset", arguments: [pack]
            ).map { row in
                (key: row["key"], location: PackLocation(pack: pack, offset: row["offset"], length: row["length"]))
            }
        }
    }

    /// Bytes of live objects in `pack`.
    func liveBytes(inPack pack: Int64) throws -> Int64 {
        try pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(length), 0) FROM objects WHERE pack = ?", arguments: [pack])
                ?? 0
        }
    }

    /// Every pack that holds at least one live object.
    func referencedPacks() throws -> Set<Int64> {
        try pool.read { db in Set(try Int64.fetchAll(db, sql: "SELECT DISTINCT pack FROM objects")) }
    }

    private static func location(of key: String, _ db: Database) throws -> PackLocation? {
        guard let row = try Row.fetchOne(db, sql: "SELECT pack, offset, length FROM objects WHERE key = ?", arguments: [key])
        else { return nil }
        return PackLocation(pack: row["pack"], offset: row["offset"], length: row["length"])
    }
}

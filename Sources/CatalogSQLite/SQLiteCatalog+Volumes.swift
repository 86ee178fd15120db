import BlockSnapCore
import Foundation
import GRDB

extension SQLiteCatalog: ComputeCatalog {
    public func insertVolume(_ volume: VolumeRecord) async throws -> InsertOutcome<VolumeRecord> {
        try await writeUnique("volume \(volume.id) (or a duplicate tag key)") { db in
            if let token = volume.clientToken,
                let existing = try VolumeRow.filter(Column("owner_id") == volume.ownerId)
                    .filter(Column("client_token") == token).fetchOne(db)
            {
                return .clientTokenExists(try Self.records(db, [existing])[0])
            }
            try Self.insert(db, volume)
            return .inserted
        }
    }

    public func volume(id: String) async throws -> VolumeRecord? {
        try await pool.read { db in
            try VolumeRow.fetchOne(db, key: id).map { try Self.records(db, [$0])[0] }
        }
    }

    public func volumes(ownerId: String, ids: [String]?) async throws -> [VolumeRecord] {
        try await pool.read { db in
            let rows: [VolumeRow]
            if let ids {
                rows = try VolumeRow.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM volumes WHERE owner_id = ? AND id IN (SELECT value FROM json_each(?))
                        ORDER BY id
                        """, arguments: [ownerId, StoredStrings.encode(ids)])
            } else {
                rows = try VolumeRow.filter(Column("owner_id") == ownerId).order(Column("id")).fetchAll(db)
            }
            return try Self.records(db, rows)
        }
    }

    public func updateVolume(_ volume: VolumeRecord) async throws -> Bool {
        try await writeUnique("a volume of \(volume.ownerId) with client token \(volume.clientToken ?? "")") { db in
            guard
                let owner = try String.fetchOne(
                    db, sql: "SELECT owner_id FROM volumes WHERE id = ?", arguments: [volume.id])
            else { return false }
            guard owner == volume.ownerId else {
                throw SQLiteCatalogError(.invalidArgument, "volume \(volume.id) cannot change owner")
            }
            try VolumeRow(volume).update(db)
            return true
        }
    }

    public func deleteVolume(id: String) async throws {
        // The trigger `volumes_delete_tags` deletes the tags in the same transaction.
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM volumes WHERE id = ?", arguments: [id])
        }
    }

    /// Inserts a volume's row and tags (no client-token check).
    static func insert(_ db: Database, _ volume: VolumeRecord) throws {
        try VolumeRow(volume).insert(db)
        try ResourceTags.insert(db, volume.tags, on: volume.id, ownerId: volume.ownerId)
    }

    /// The given rows as records, in the same order, with their tags (one query for all).
    static func records(_ db: Database, _ rows: [VolumeRow]) throws -> [VolumeRecord] {
        let tags = try ResourceTags.load(db, for: rows.map(\.id))
        return try rows.map { try $0.record(tags: tags[$0.id, default: []]) }
    }
}

import BlockSnapCore
import Foundation
import GRDB

extension SQLiteCatalog {
    public func insertInstance(_ instance: InstanceRecord, volumes: [VolumeRecord]) async throws
        -> InsertOutcome<InstanceRecord>
    {
        try await writeUnique("instance \(instance.id), one of its volumes, or a duplicate tag key") { db in
            if let token = instance.clientToken,
                let existing = try InstanceRow.filter(Column("owner_id") == instance.ownerId)
                    .filter(Column("client_token") == token).fetchOne(db)
            {
                return .clientTokenExists(try Self.records(db, [existing])[0])
            }
            try InstanceRow(instance).insert(db)
            try ResourceTags.insert(db, instance.tags, on: instance.id, ownerId: instance.ownerId)
            for volume in volumes {
                try Self.insert(db, volume)
            }
            return .inserted
        }
    }

    public func instance(id: String) async throws -> InstanceRecord? {
        try await pool.read { db in
            try InstanceRow.fetchOne(db, key: id).map { try Self.records(db, [$0])[0] }
        }
    }

    public func instances(ownerId: String, ids: [String]?) async throws -> [InstanceRecord] {
        try await pool.read { db in
            let rows: [InstanceRow]
            if let ids {
                rows = try InstanceRow.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM instances WHERE owner_id = ? AND id IN (SELECT value FROM json_each(?))
                        ORDER BY id
                        """, arguments: [ownerId, StoredStrings.encode(ids)])
            } else {
                rows = try InstanceRow.filter(Column("owner_id") == ownerId).order(Column("id")).fetchAll(db)
            }
            return try Self.records(db, rows)
        }
    }

    public func updateInstance(_ instance: InstanceRecord) async throws -> Bool {
        try await writeUnique("an instance of \(instance.ownerId) with client token \(instance.clientToken ?? "")") {
            db in
            guard
                let owner = try String.fetchOne(
                    db, sql: "SELECT owner_id FROM instances WHERE id = ?", arguments: [instance.id])
            else { return false }
            guard owner == instance.ownerId else {
                throw SQLiteCatalogError(.invalidArgument, "instance \(instance.id) cannot change owner")
            }
            try InstanceRow(instance).update(db)
            return true
        }
    }

    /// Each list by attach time, then device name (so the volumes attached at launch come in
    /// device order); one query for every instance.
    public func attachedVolumes(instanceIds: [String]) async throws -> [String: [VolumeRecord]] {
        guard !instanceIds.isEmpty else { return [:] }
        return try await pool.read { db in
            let rows = try VolumeRow.fetchAll(
                db,
                sql: """
                    SELECT * FROM volumes WHERE instance_id IN (SELECT value FROM json_each(?))
                    ORDER BY instance_id, attach_time, device, id
                    """, arguments: [StoredStrings.encode(instanceIds)])
            return Dictionary(grouping: try Self.records(db, rows)) { $0.attachment?.instanceId ?? "" }
        }
    }

    /// The given rows as records, in the same order, with their tags (one query for all).
    static func records(_ db: Database, _ rows: [InstanceRow]) throws -> [InstanceRecord] {
        let tags = try ResourceTags.load(db, for: rows.map(\.id))
        return try rows.map { try $0.record(tags: tags[$0.id, default: []]) }
    }
}

import BlockSnapCore
import Foundation
import GRDB

extension SQLiteCatalog {
    public func insertSnapshot(_ snapshot: SnapshotRecord) async throws -> SnapshotInsertOutcome {
        try await writeUnique("snapshot \(snapshot.id) (or a duplicate tag key)") { db in
            if let token = snapshot.clientToken,
                let existing = try SnapshotRow.filter(Column("owner_id") == snapshot.ownerId)
                    .filter(Column("client_token") == token).fetchOne(db)
            {
                return .clientTokenExists(try Self.records(db, [existing])[0])
            }
            try Self.insert(db, snapshot)
            return .inserted
        }
    }

    public func snapshot(id: String) async throws -> SnapshotRecord? {
        try await pool.read { db in
            try SnapshotRow.fetchOne(db, key: id).map { try Self.records(db, [$0])[0] }
        }
    }

    public func failSnapshot(id: String, message: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE snapshots SET status = 'error', status_message = ? WHERE id = ? AND status = 'pending'",
                arguments: [message, id])
            guard db.changesCount > 0 else { return false }
            try db.execute(sql: "DELETE FROM written_blocks WHERE snapshot_id = ?", arguments: [id])
            return true
        }
    }

    public func expiredPendingSnapshots(now: Date) async throws -> [SnapshotRecord] {
        let request = SnapshotRow.filter(Column("status") == SnapshotStatus.pending.rawValue)
            .filter(Column("deadline") <= Milliseconds.from(now))
            .order(Column("deadline"), Column("id"))
        return try await pool.read { db in try Self.records(db, request.fetchAll(db)) }
    }

    public func snapshots(ownerId: String) async throws -> [SnapshotRecord] {
        let request = SnapshotRow.filter(Column("owner_id") == ownerId).order(Column("start_time"), Column("id"))
        return try await pool.read { db in try Self.records(db, request.fetchAll(db)) }
    }

    /// Inserts a snapshot's row, tags and create-volume permissions (no client-token check).
    static func insert(_ db: Database, _ snapshot: SnapshotRecord) throws {
        try SnapshotRow(snapshot).insert(db)
        try ResourceTags.insert(db, snapshot.tags, on: snapshot.id, ownerId: snapshot.ownerId)
        try CreateVolumePermissions.replace(db, snapshotId: snapshot.id, accountIds: snapshot.createVolumePermissions)
    }

    /// The given rows as records, in the same order, with their tags and permissions (one query
    /// for all the tags, one for all the permissions).
    static func records(_ db: Database, _ rows: [SnapshotRow]) throws -> [SnapshotRecord] {
        guard !rows.isEmpty else { return [] }
        let ids = rows.map(\.id)
        let tags = try ResourceTags.load(db, for: ids)
        let permissions = try CreateVolumePermissions.load(db, for: ids)
        return try rows.map { row in
            try row.record(tags: tags[row.id, default: []], createVolumePermissions: permissions[row.id, default: []])
        }
    }
}

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
            try SnapshotRow(snapshot).insert(db)
            for (position, tag) in snapshot.tags.enumerated() {
                try SnapshotTagRow(snapshotId: snapshot.id, position: position, key: tag.key, value: tag.value)
                    .insert(db)
            }
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
        return try await pool.read { db in try Self.records(db, request) }
    }

    public func snapshots(ownerId: String) async throws -> [SnapshotRecord] {
        let request = SnapshotRow.filter(Column("owner_id") == ownerId).order(Column("start_time"), Column("id"))
        return try await pool.read { db in try Self.records(db, request) }
    }

    /// The snapshots `request` selects, with their tags (one query for all the tags).
    static func records(_ db: Database, _ request: QueryInterfaceRequest<SnapshotRow>) throws -> [SnapshotRecord] {
        let rows = try request.fetchAll(db)
        guard !rows.isEmpty else { return [] }
        let tags = try SnapshotTagRow.filter(request.select(Column("id")).contains(Column("snapshot_id")))
            .order(Column("snapshot_id"), Column("position")).fetchAll(db)
        return try assemble(rows, tags)
    }

    /// The given rows as records, with their tags.
    static func records(_ db: Database, _ rows: [SnapshotRow]) throws -> [SnapshotRecord] {
        let tags = try SnapshotTagRow.filter(rows.map(\.id).contains(Column("snapshot_id")))
            .order(Column("snapshot_id"), Column("position")).fetchAll(db)
        return try assemble(rows, tags)
    }

    private static func assemble(_ rows: [SnapshotRow], _ tags: [SnapshotTagRow]) throws -> [SnapshotRecord] {
        let tagsBySnapshot = Dictionary(grouping: tags, by: \.snapshotId)
        return try rows.map { row in try row.record(tags: tagsBySnapshot[row.id, default: []].map(\.tag)) }
    }
}

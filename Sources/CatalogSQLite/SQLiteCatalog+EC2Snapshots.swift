import BlockSnapCore
import Foundation
import GRDB

extension SQLiteCatalog {
    /// One page costs three queries whatever the catalog's size: the page's ids (two index
    /// range scans of at most `limit` entries, `snapshots_owner_id` and
    /// `snapshot_permissions_account`, merged), then the page's tags and its permissions.
    public func snapshotsPage(visibleTo accountId: String, after: String?, limit: Int) async throws
        -> [SnapshotRecord]
    {
        guard limit > 0 else { return [] }
        return try await pool.read { db in
            let rows = try SnapshotRow.fetchAll(db, sql: Self.pageSQL, arguments: [accountId, after ?? "", limit])
            return try Self.records(db, rows)
        }
    }

    /// The ids of the page: each branch stops after `limit` entries of its index, the union is
    /// sorted and cut to `limit`, then each row is fetched by primary key.
    static let pageSQL = """
        WITH page(id) AS (
            SELECT id FROM (
                SELECT id FROM snapshots WHERE owner_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3)
            UNION
            SELECT id FROM (
                SELECT snapshot_id AS id FROM snapshot_create_volume_permissions
                WHERE account_id = ?1 AND snapshot_id > ?2 ORDER BY snapshot_id LIMIT ?3)
            ORDER BY id LIMIT ?3
        )
        SELECT snapshots.* FROM page CROSS JOIN snapshots ON snapshots.id = page.id ORDER BY page.id
        """

    /// Returns false if the snapshot doesn't exist; an unknown account throws
    /// `accountNotFound` and changes nothing.
    public func setCreateVolumePermissions(snapshotId: String, accountIds: [String]) async throws -> Bool {
        try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM snapshots WHERE id = ?", arguments: [snapshotId]) != nil
            else { return false }
            try CreateVolumePermissions.replace(db, snapshotId: snapshotId, accountIds: accountIds)
            return true
        }
    }

    /// Also returns false, changing nothing, for a pending snapshot. Tags go through the
    /// trigger `snapshots_delete_tags`, permissions and written blocks through ON DELETE CASCADE.
    public func deleteSnapshot(id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM snapshots WHERE id = ? AND status <> 'pending'", arguments: [id])
            return db.changesCount > 0
        }
    }

    /// Does nothing unless the snapshot is pending. Shares transactions with `recordBlock`.
    public func setSnapshotProgress(id: String, progress: Int) async throws {
        try await groupCommit.submit { db in
            try db.cachedStatement(sql: "UPDATE snapshots SET progress = ? WHERE id = ? AND status = 'pending'")
                .execute(arguments: [progress, id])
        }
    }

    public func completeVolumeSnapshot(
        id: String, volumeId: String, rootNode: BlockHash?, nodes: [MapNodeRecord], changedBlocksCount: Int,
        completionTime: Date
    ) async throws -> Bool {
        try await pool.write { db in
            guard
                try Self.complete(
                    db, id: id, rootNode: rootNode, nodes: nodes, changedBlocksCount: changedBlocksCount,
                    completionTime: completionTime)
            else { return false }
            try db.execute(
                sql: "UPDATE volumes SET last_snapshot_id = ?, base_root = ? WHERE id = ?",
                arguments: [id, rootNode.map { Data($0.bytes) }, volumeId])
            return true
        }
    }

    /// By start time, then id.
    public func pendingVolumeSnapshots() async throws -> [SnapshotRecord] {
        let request = SnapshotRow.filter(Column("status") == SnapshotStatus.pending.rawValue)
            .filter(Column("volume_id") != nil).order(Column("start_time"), Column("id"))
        return try await pool.read { db in try Self.records(db, request.fetchAll(db)) }
    }
}

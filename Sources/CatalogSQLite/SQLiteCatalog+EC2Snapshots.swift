import BlockSnapCore
import Foundation
import GRDB

extension SQLiteCatalog {
    /// A page costs two index range scans of at most `limit` entries each (the caller's own
    /// snapshots by `snapshots_owner_id`, those shared with it by `snapshot_permissions_account`),
    /// merged here, then one query each for the tags and the permissions of the snapshots the
    /// caller did not know. A known snapshot's row is read for its id, owner and revision only.
    public func snapshotsPage(
        visibleTo accountId: String, after: String?, limit: Int, known: @escaping @Sendable (String, Int64) -> Bool
    ) async throws -> [SnapshotPageEntry] {
        guard limit > 0 else { return [] }
        return try await pool.read { db in
            let stamps = try PageStamp.page(db, visibleTo: accountId, after: after ?? "", limit: limit, known: known)
            var records = try Self.records(db, stamps.compactMap(\.row)).makeIterator()
            return stamps.map { stamp in
                if stamp.row != nil, let record = records.next() { return .record(record, revision: stamp.revision) }
                return .known(id: stamp.id, ownerId: stamp.ownerId, revision: stamp.revision)
            }
        }
    }

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

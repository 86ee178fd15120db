import BlockSnapCore
import Foundation
import GRDB

extension SQLiteCatalog {
    public func recordBlock(snapshotId: String, block: WrittenBlock, progress: Int?, deadline: Date) async throws
        -> Bool
    {
        let deadline = Milliseconds.from(deadline)
        let (kind, hash): (Int64, Data?) =
            switch block.ref {
            case .zero: (WrittenBlockKind.zero, nil)
            case .data(let hash): (WrittenBlockKind.data, Data(hash.bytes))
            }
        return try await groupCommit.submit { db in
            try db.cachedStatement(
                sql: """
                    UPDATE snapshots SET deadline = ?, progress = coalesce(?, progress)
                    WHERE id = ? AND status = 'pending'
                    """
            ).execute(arguments: [deadline, progress, snapshotId])
            guard db.changesCount > 0 else { return false }
            try db.cachedStatement(
                sql: """
                    INSERT INTO written_blocks (snapshot_id, block_index, kind, hash) VALUES (?, ?, ?, ?)
                    ON CONFLICT (snapshot_id, block_index) DO UPDATE SET kind = excluded.kind, hash = excluded.hash
                    """
            ).execute(arguments: [snapshotId, block.index, kind, hash])
            return true
        }
    }

    public func writtenBlocks(snapshotId: String) async throws -> [WrittenBlock] {
        try await pool.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT block_index, kind, hash FROM written_blocks WHERE snapshot_id = ? ORDER BY block_index",
                arguments: [snapshotId])
            var blocks: [WrittenBlock] = []
            while let row = try rows.next() {
                let index: Int64 = row[0]
                let kind: Int64 = row[1]
                if kind == WrittenBlockKind.zero {
                    blocks.append(WrittenBlock(index: index, ref: .zero))
                } else {
                    let hash: Data = row[2]
                    let what = "hash of block \(index) of \(snapshotId)"
                    blocks.append(WrittenBlock(index: index, ref: .data(try StoredHash.decode(hash, what: what))))
                }
            }
            return blocks
        }
    }

    public func writtenBlockCount(snapshotId: String) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM written_blocks WHERE snapshot_id = ?", arguments: [snapshotId]) ?? 0
        }
    }

    public func completeSnapshot(
        id: String, rootNode: BlockHash?, nodes: [MapNodeRecord], changedBlocksCount: Int, completionTime: Date
    ) async throws -> Bool {
        try await pool.write { db in
            try Self.complete(
                db, id: id, rootNode: rootNode, nodes: nodes, changedBlocksCount: changedBlocksCount,
                completionTime: completionTime)
        }
    }

    /// `completeSnapshot` inside the caller's transaction: returns false, changing nothing,
    /// unless the snapshot is pending.
    static func complete(
        _ db: Database, id: String, rootNode: BlockHash?, nodes: [MapNodeRecord], changedBlocksCount: Int,
        completionTime: Date
    ) throws -> Bool {
        try db.execute(
            sql: """
                UPDATE snapshots
                SET status = 'completed', progress = 100, root_node = ?, changed_blocks_count = ?,
                    completion_time = ?
                WHERE id = ? AND status = 'pending'
                """,
            arguments: [
                rootNode.map { Data($0.bytes) }, changedBlocksCount, Milliseconds.from(completionTime), id,
            ])
        guard db.changesCount > 0 else { return false }
        let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO map_nodes (hash, body) VALUES (?, ?)")
        for node in nodes {
            try insert.execute(arguments: [Data(node.hash.bytes), Data(node.body)])
        }
        try db.execute(sql: "DELETE FROM written_blocks WHERE snapshot_id = ?", arguments: [id])
        return true
    }

    public func mapNode(_ hash: BlockHash) async throws -> [UInt8]? {
        try await pool.read { db in
            try Data.fetchOne(db, sql: "SELECT body FROM map_nodes WHERE hash = ?", arguments: [Data(hash.bytes)])
                .map { [UInt8]($0) }
        }
    }
}

import BlockSnapCore
import Foundation
import GRDB

extension SQLiteCatalog: ReferenceCatalog {
    public func liveMapRoots() async throws -> [BlockHash] {
        try await pool.read { db in
            let blobs = try Data.fetchAll(
                db,
                sql: """
                    SELECT root_node FROM snapshots WHERE root_node IS NOT NULL
                    UNION SELECT base_root FROM volumes WHERE base_root IS NOT NULL
                    """)
            return blobs.compactMap { BlockHash(bytes: [UInt8]($0)) }
        }
    }

    public func pendingBlockHashes() async throws -> [BlockHash] {
        try await pool.read { db in
            try Data.fetchAll(db, sql: "SELECT DISTINCT hash FROM written_blocks WHERE hash IS NOT NULL")
                .compactMap { BlockHash(bytes: [UInt8]($0)) }
        }
    }

    public func mapNodeHashes() async throws -> [BlockHash] {
        try await pool.read { db in
            try Data.fetchAll(db, sql: "SELECT hash FROM map_nodes").compactMap { BlockHash(bytes: [UInt8]($0)) }
        }
    }

    public func deleteMapNodes(_ hashes: [BlockHash]) async throws {
        guard !hashes.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.makeStatement(sql: "DELETE FROM map_nodes WHERE hash = ?")
            for hash in hashes { try statement.execute(arguments: [Data(hash.bytes)]) }
        }
    }
}

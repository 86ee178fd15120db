import BlockSnapCore
import BlockSnapTesting
import Foundation
import GRDB
import Testing

@testable import CatalogSQLite

@Suite("SQLiteCatalog migrations from older files")
struct SQLiteCatalogMigrationTests {
    @Test("a v1 catalog with snapshots and tags opens under v2 with every tag in place")
    func v1ToV2() async throws {
        let directory = try TemporaryDirectory(prefix: "catalog-migration")
        defer { directory.remove() }
        let path = directory.appending("catalog.sqlite")
        let owner = CatalogFixtures.account(1)
        let tagged = CatalogFixtures.snapshotId(1)
        let untagged = CatalogFixtures.snapshotId(2)
        do {
            // A file exactly as a v1 blocksnap left it, written with v1's SQL.
            let queue = try DatabaseQueue(path: path)
            try CatalogSchema.migrator.migrate(queue, upTo: "v1")
            try await queue.write { db in
                try db.execute(
                    sql: "INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)",
                    arguments: [owner.id, owner.name, Milliseconds.from(owner.createdAt)])
                for id in [tagged, untagged] {
                    try db.execute(
                        sql: """
                            INSERT INTO snapshots (id, owner_id, status, progress, volume_size_gib, lineage_id,
                                start_time, timeout_minutes, deadline)
                            VALUES (?, ?, 'pending', 5, 8, ?, 1000, 60, 2000)
                            """, arguments: [id, owner.id, id])
                }
                for (position, key, value) in [(0, "zeta", "1"), (1, "Alpha", ""), (2, "mid", "ü ✓")] {
                    try db.execute(
                        sql: "INSERT INTO snapshot_tags (snapshot_id, position, key, value) VALUES (?, ?, ?, ?)",
                        arguments: [tagged, position, key, value])
                }
                try db.execute(
                    sql: "INSERT INTO written_blocks (snapshot_id, block_index, kind) VALUES (?, 3, 0)",
                    arguments: [tagged])
            }
        }

        let catalog = try SQLiteCatalog(path: path)
        #expect(try await catalog.appliedMigrations() == ["v1", "v2", "v3"])
        let tags = [Tag(key: "zeta", value: "1"), Tag(key: "Alpha", value: ""), Tag(key: "mid", value: "ü ✓")]
        let snapshot = try #require(try await catalog.snapshot(id: tagged))
        #expect(snapshot.tags == tags, "v1 tags survive in their order")
        #expect(snapshot.volumeId == nil && !snapshot.encrypted && snapshot.kmsKeyId == nil)
        #expect(snapshot.productCodes == [] && snapshot.createVolumePermissions == [])
        #expect(try await catalog.snapshot(id: untagged)?.tags == [])
        #expect(
            try await catalog.resourceTags(ownerId: owner.id)
                == tags.map { ResourceTag(resourceId: tagged, resourceType: "snapshot", tag: $0) })
        #expect(try await catalog.writtenBlocks(snapshotId: tagged) == [WrittenBlock(index: 3, ref: .zero)])

        try await catalog.putTags(
            [Tag(key: "new", value: "x"), Tag(key: "Alpha", value: "a")], on: [tagged], ownerId: owner.id)
        #expect(
            try await catalog.snapshot(id: tagged)?.tags
                == [
                    Tag(key: "zeta", value: "1"), Tag(key: "Alpha", value: "a"), Tag(key: "mid", value: "ü ✓"),
                    Tag(key: "new", value: "x"),
                ], "migrated positions keep working")
        let problems = try await catalog.pool.read { db in
            try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count
        }
        #expect(problems == 0, "the migrated file has no dangling references")
    }
}

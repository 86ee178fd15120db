import BlockSnapCore
import BlockSnapTesting
import Foundation
import GRDB
import Testing

@testable import CatalogSQLite

@Suite("SQLiteCatalog migrations from older files")
struct SQLiteCatalogMigrationTests {
    @Test("a v1 catalog with snapshots and tags opens under v2 (and later) with every tag in place")
    func v1ToV2() async throws {
        let directory = try TemporaryDirectory(prefix: "catalog-migration")
        defer { directory.remove() }
        let owner = CatalogFixtures.account(1)
        let tagged = CatalogFixtures.snapshotId(1)
        let untagged = CatalogFixtures.snapshotId(2)
        let path = try await Self.olderFile(in: directory, upTo: "v1", owner: owner) { db in
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
                sql: "INSERT INTO written_blocks (snapshot_id, block_index, kind) VALUES (?, 3, 0)", arguments: [tagged])
        }

        let catalog = try SQLiteCatalog(path: path)
        #expect(try await catalog.appliedMigrations() == ["v1", "v2", "v3", "v4", "v5"])
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

    @Test("a v2 catalog's snapshots open under v3 with no transfer type; v3 stores it and checks it")
    func v2ToV3() async throws {
        let directory = try TemporaryDirectory(prefix: "catalog-migration")
        defer { directory.remove() }
        let owner = CatalogFixtures.account(1)
        let copy = CatalogFixtures.snapshotId(1)
        let path = try await Self.olderFile(in: directory, upTo: "v2", owner: owner) { db in
            try db.execute(
                sql: """
                    INSERT INTO snapshots (id, owner_id, status, progress, volume_size_gib, lineage_id,
                        start_time, timeout_minutes, deadline, completion_time, volume_id)
                    VALUES (?, ?, 'completed', 100, 8, ?, 1000, 0, 2000, 1000, 'vol-ffffffff')
                    """, arguments: [copy, owner.id, copy])
        }

        let catalog = try SQLiteCatalog(path: path)
        #expect(try await catalog.appliedMigrations() == ["v1", "v2", "v3", "v4", "v5"])
        let migrated = try #require(try await catalog.snapshot(id: copy))
        #expect(migrated.transferType == nil && migrated.completionDurationMinutes == nil)

        var timeBased = CatalogFixtures.pendingSnapshot(2, owner: owner)
        timeBased.transferType = .timeBased
        timeBased.completionDurationMinutes = 45
        #expect(try await catalog.insertSnapshot(timeBased) == .inserted)
        let stored = try #require(try await catalog.snapshot(id: timeBased.id))
        #expect(stored.transferType == .timeBased && stored.completionDurationMinutes == 45)
        for (column, value) in [("transfer_type", "'fast'"), ("completion_duration_minutes", "14")] {
            await #expect(throws: (any Error).self, "v3's CHECK refuses \(column) = \(value)") {
                try await catalog.pool.write { db in
                    try db.execute(sql: "UPDATE snapshots SET \(column) = \(value) WHERE id = ?", arguments: [copy])
                }
            }
        }
    }

    @Test("a v3 catalog's volumes open under v4 without Multi-Attach and with no modifications; v4 checks both")
    func v3ToV4() async throws {
        let directory = try TemporaryDirectory(prefix: "catalog-migration")
        defer { directory.remove() }
        let owner = CatalogFixtures.account(1)
        let volumeId = "vol-0123456789abcdef0"
        let path = try await Self.olderFile(in: directory, upTo: "v3", owner: owner) { db in
            try db.execute(
                sql: """
                    INSERT INTO volumes (id, owner_id, size_gib, availability_zone, volume_type, state,
                        create_time, lineage_id)
                    VALUES (?, ?, 8, 'us-east-1a', 'gp3', 'available', 1000, ?)
                    """, arguments: [volumeId, owner.id, volumeId])
        }

        let catalog = try SQLiteCatalog(path: path)
        #expect(try await catalog.appliedMigrations() == ["v1", "v2", "v3", "v4", "v5"])
        let migrated = try #require(try await catalog.volume(id: volumeId))
        #expect(!migrated.multiAttachEnabled && migrated.modificationTimes.isEmpty)
        for (column, value) in [("multi_attach_enabled", "2"), ("modification_times", "'{}'")] {
            await #expect(throws: (any Error).self, "v4's CHECK refuses \(column) = \(value)") {
                try await catalog.pool.write { db in
                    try db.execute(sql: "UPDATE volumes SET \(column) = \(value) WHERE id = ?", arguments: [volumeId])
                }
            }
        }
    }

    @Test("a v4 catalog's snapshots open under v5 with distinct revisions, and changes give new ones")
    func v4ToV5() async throws {
        let directory = try TemporaryDirectory(prefix: "catalog-migration")
        defer { directory.remove() }
        let owner = CatalogFixtures.account(1)
        let ids = (1...3).map(CatalogFixtures.snapshotId)
        let path = try await Self.olderFile(in: directory, upTo: "v4", owner: owner) { db in
            for id in ids {
                try db.execute(
                    sql: """
                        INSERT INTO snapshots (id, owner_id, status, progress, volume_size_gib, lineage_id,
                            start_time, timeout_minutes, deadline)
                        VALUES (?, ?, 'pending', 5, 8, ?, 1000, 60, 2000)
                        """, arguments: [id, owner.id, id])
            }
        }

        let catalog = try SQLiteCatalog(path: path)
        #expect(try await catalog.appliedMigrations() == ["v1", "v2", "v3", "v4", "v5"])
        func revisions() async throws -> [Int64] {
            try await catalog.snapshotsPage(visibleTo: owner.id, after: nil, limit: 10) { _, _ in false }.map(\.revision)
        }
        let migrated = try await revisions()
        #expect(migrated.count == 3 && Set(migrated).count == 3, "\(migrated)")
        try await catalog.setSnapshotProgress(id: ids[1], progress: 50)
        let changed = try await revisions()
        #expect(changed[0] == migrated[0] && changed[2] == migrated[2])
        #expect(changed[1] > migrated.max()!, "the counter starts above every migrated revision")
        var added = CatalogFixtures.pendingSnapshot(4, owner: owner)
        added.clientToken = nil
        _ = try await catalog.insertSnapshot(added)
        let withNew = try await revisions()
        #expect(withNew.count == 4 && withNew[3] > changed[1])
    }

    /// A catalog file exactly as an older blocksnap left it: migrated up to `version`, with
    /// `owner`'s account row and whatever `fill` writes with that version's SQL.
    static func olderFile(
        in directory: TemporaryDirectory, upTo version: String, owner: Account,
        _ fill: @escaping @Sendable (Database) throws -> Void
    ) async throws -> String {
        let path = directory.appending("catalog.sqlite")
        let queue = try DatabaseQueue(path: path)
        try CatalogSchema.migrator.migrate(queue, upTo: version)
        try await queue.write { db in
            try db.execute(
                sql: "INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)",
                arguments: [owner.id, owner.name, Milliseconds.from(owner.createdAt)])
            try fill(db)
        }
        return path
    }
}

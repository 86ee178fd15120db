import BlockSnapCore
import BlockSnapTesting
import Foundation
import GRDB
import Testing

@testable import CatalogSQLite

@Suite("SQLiteCatalog file, schema and durability")
struct SQLiteCatalogTests {
    let directory: TemporaryDirectory
    let path: String

    init() throws {
        directory = try TemporaryDirectory(prefix: "catalog-sqlite")
        path = directory.appending("catalog.sqlite")
    }

    @Test("everything stored survives closing and reopening the file")
    func reopenPersistence() async throws {
        defer { directory.remove() }
        let owner = CatalogFixtures.account(1)
        let key = CatalogFixtures.key(1, for: owner)
        let pending = CatalogFixtures.fullSnapshot(10, owner: owner)
        let completed = CatalogFixtures.pendingSnapshot(11, owner: owner)
        let node = MapNodeRecord(hash: CatalogFixtures.hash(1), body: [1, 2, 3])
        let block = WrittenBlock(index: 42, ref: .data(CatalogFixtures.hash(2)))
        do {
            let catalog = try SQLiteCatalog(path: path)
            try await catalog.createAccount(owner, key: key)
            _ = try await catalog.setSettingIfAbsent("region", Array("us-east-1".utf8))
            _ = try await catalog.insertSnapshot(pending)
            _ = try await catalog.insertSnapshot(completed)
            _ = try await catalog.recordBlock(
                snapshotId: pending.id, block: block, progress: 50, deadline: CatalogFixtures.time(77))
            _ = try await catalog.completeSnapshot(
                id: completed.id, rootNode: node.hash, nodes: [node], changedBlocksCount: 0,
                completionTime: CatalogFixtures.time(88))
        }
        let reopened = try SQLiteCatalog(path: path)
        #expect(try await reopened.accounts() == [owner])
        #expect(try await reopened.accessKey(id: key.accessKeyId) == key)
        #expect(try await reopened.setting("region") == Array("us-east-1".utf8))
        var expectedPending = pending
        expectedPending.progress = 50
        expectedPending.deadline = CatalogFixtures.time(77)
        #expect(try await reopened.snapshot(id: pending.id) == expectedPending)
        #expect(try await reopened.writtenBlocks(snapshotId: pending.id) == [block])
        #expect(try await reopened.snapshot(id: completed.id)?.rootNode == node.hash)
        #expect(try await reopened.mapNode(node.hash) == node.body)
    }

    @Test("migrations run on open, once, and are recorded by name")
    func migrationsOnOpen() async throws {
        defer { directory.remove() }
        let first = try SQLiteCatalog(path: path)
        #expect(try await first.appliedMigrations() == ["v1", "v2", "v3", "v4", "v5"])
        let tables = try await first.pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        #expect(
            Set(tables).isSuperset(of: [
                "accounts", "access_keys", "settings", "snapshots", "written_blocks", "map_nodes", "resource_tags",
                "snapshot_create_volume_permissions", "volumes", "instances",
            ]))
        #expect(!tables.contains("snapshot_tags"), "v2 moves snapshot tags to resource_tags")
        let second = try SQLiteCatalog(path: path)
        #expect(try await second.appliedMigrations() == ["v1", "v2", "v3", "v4", "v5"], "reopening applies nothing twice")
    }

    @Test("a catalog migrated by a newer blocksnap is refused")
    func newerSchemaIsRefused() async throws {
        defer { directory.remove() }
        do {
            let catalog = try SQLiteCatalog(path: path)
            try await catalog.pool.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v999-from-the-future')")
            }
        }
        #expect {
            _ = try SQLiteCatalog(path: path)
        } throws: { error in
            (error as? SQLiteCatalogError)?.code == .newerSchema
        }
    }

    @Test("connections run in WAL mode with synchronous=FULL and foreign keys")
    func durabilitySettings() async throws {
        defer { directory.remove() }
        let catalog = try SQLiteCatalog(path: path)
        let (journal, synchronous, foreignKeys) = try await catalog.pool.write { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                try Int.fetchOne(db, sql: "PRAGMA foreign_keys")
            )
        }
        #expect(journal == "wal")
        #expect(synchronous == 2, "synchronous must be FULL (2)")
        #expect(foreignKeys == 1)
        let readerSynchronous = try await catalog.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(readerSynchronous == 2)
    }

    @Test("the schema enforces its invariants")
    func schemaInvariants() async throws {
        defer { directory.remove() }
        let catalog = try SQLiteCatalog(path: path)
        let owner = CatalogFixtures.account(1)
        try await catalog.createAccount(owner, key: CatalogFixtures.key(1, for: owner))
        let orphan = CatalogFixtures.pendingSnapshot(1, owner: CatalogFixtures.account(2))
        await #expect(throws: (any Error).self, "a snapshot needs an existing owner") {
            _ = try await catalog.insertSnapshot(orphan)
        }
        let other = CatalogFixtures.account(3)
        await #expect(throws: SQLiteCatalogError.self, "a key must belong to the account it is created with") {
            try await catalog.createAccount(other, key: CatalogFixtures.key(3, for: owner))
        }
        await #expect(throws: SQLiteCatalogError.self, "a duplicate account name is alreadyExists") {
            try await catalog.createAccount(owner, key: CatalogFixtures.key(4, for: owner))
        }
    }

    @Test("one failing recordBlock in a shared transaction leaves the others committed")
    func groupCommitIsolatesFailures() async throws {
        defer { directory.remove() }
        let catalog = try SQLiteCatalog(path: path)
        let owner = CatalogFixtures.account(1)
        try await catalog.createAccount(owner, key: CatalogFixtures.key(1, for: owner))
        let snapshot = CatalogFixtures.pendingSnapshot(1, owner: owner)
        _ = try await catalog.insertSnapshot(snapshot)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<40 {
                group.addTask {
                    // Progress 101 breaks the CHECK constraint: that call alone must fail.
                    let progress = index == 17 ? 101 : nil
                    let result = try? await catalog.recordBlock(
                        snapshotId: snapshot.id, block: WrittenBlock(index: Int64(index), ref: .zero),
                        progress: progress, deadline: CatalogFixtures.time(Int64(index)))
                    return result == true
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 39)
        let indexes = try await catalog.writtenBlocks(snapshotId: snapshot.id).map(\.index)
        #expect(indexes == (0..<40).filter { $0 != 17 }.map(Int64.init))
        #expect(try await catalog.snapshot(id: snapshot.id)?.progress == 0)
    }

    @Test("failing a snapshot forgets its written blocks")
    func failForgetsWrittenBlocks() async throws {
        defer { directory.remove() }
        let catalog = try SQLiteCatalog(path: path)
        let owner = CatalogFixtures.account(1)
        try await catalog.createAccount(owner, key: CatalogFixtures.key(1, for: owner))
        let snapshot = CatalogFixtures.pendingSnapshot(1, owner: owner)
        _ = try await catalog.insertSnapshot(snapshot)
        _ = try await catalog.recordBlock(
            snapshotId: snapshot.id, block: WrittenBlock(index: 1, ref: .zero), progress: nil,
            deadline: CatalogFixtures.time(1))
        #expect(try await catalog.failSnapshot(id: snapshot.id, message: "timed out"))
        #expect(try await catalog.writtenBlockCount(snapshotId: snapshot.id) == 0)
    }
}

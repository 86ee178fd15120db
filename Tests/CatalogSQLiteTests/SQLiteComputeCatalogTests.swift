import BlockSnapCore
import BlockSnapTesting
import Foundation
import GRDB
import Testing

@testable import CatalogSQLite

@Suite("SQLiteCatalog as a ComputeCatalog: typed errors and schema invariants")
struct SQLiteComputeCatalogTests {
    let directory: TemporaryDirectory
    let catalog: SQLiteCatalog
    let owner = CatalogFixtures.account(1)
    let other = CatalogFixtures.account(2)

    init() async throws {
        directory = try TemporaryDirectory(prefix: "compute-catalog")
        catalog = try SQLiteCatalog(path: directory.appending("catalog.sqlite"))
        try await catalog.createAccount(owner, key: CatalogFixtures.key(1, for: owner))
        try await catalog.createAccount(other, key: CatalogFixtures.key(2, for: other))
    }

    @Test("refusals are CatalogError values naming the resource")
    func typedErrors() async throws {
        defer { directory.remove() }
        let volume = ComputeFixtures.bareVolume(1, owner: owner)
        _ = try await catalog.insertVolume(volume)
        let missing = ComputeFixtures.volumeId(2)
        await #expect(throws: CatalogError.resourceNotFound(missing)) {
            try await catalog.putTags([Tag(key: "k", value: "v")], on: [volume.id, missing], ownerId: owner.id)
        }
        await #expect(throws: CatalogError.resourceNotFound(volume.id), "another owner's volume is not found") {
            try await catalog.deleteTags([(key: "k", value: nil)], from: [volume.id], ownerId: other.id)
        }
        let many = (0..<51).map { Tag(key: "k\($0)", value: "") }
        await #expect(throws: CatalogError.tagLimitExceeded(volume.id)) {
            try await catalog.putTags(many, on: [volume.id], ownerId: owner.id)
        }
        var crowded = ComputeFixtures.bareVolume(3, owner: owner)
        crowded.tags = many
        await #expect(throws: CatalogError.tagLimitExceeded(crowded.id), "inserts keep the limit too") {
            _ = try await catalog.insertVolume(crowded)
        }
        #expect(try await catalog.volume(id: crowded.id) == nil)
        var snapshot = CatalogFixtures.pendingSnapshot(1, owner: owner)
        _ = try await catalog.insertSnapshot(snapshot)
        await #expect(throws: CatalogError.accountNotFound("999999999999")) {
            _ = try await catalog.setCreateVolumePermissions(snapshotId: snapshot.id, accountIds: ["999999999999"])
        }
        snapshot.id = CatalogFixtures.snapshotId(2)
        snapshot.createVolumePermissions = ["888888888888"]
        await #expect(throws: CatalogError.accountNotFound("888888888888")) {
            _ = try await catalog.insertSnapshot(snapshot)
        }
    }

    @Test("an update cannot move a volume or instance to another owner")
    func ownerNeverChanges() async throws {
        defer { directory.remove() }
        var volume = ComputeFixtures.bareVolume(1, owner: owner)
        var instance = ComputeFixtures.instance(1, owner: owner)
        _ = try await catalog.insertVolume(volume)
        _ = try await catalog.insertInstance(instance, volumes: [])
        volume.ownerId = other.id
        instance.ownerId = other.id
        await #expect(throws: SQLiteCatalogError.self) { _ = try await catalog.updateVolume(volume) }
        await #expect(throws: SQLiteCatalogError.self) { _ = try await catalog.updateInstance(instance) }
        #expect(try await catalog.volume(id: volume.id)?.ownerId == owner.id)
        #expect(try await catalog.instance(id: instance.id)?.ownerId == owner.id)
    }

    @Test("the schema refuses half attachments, unknown states, mistyped tags and bad product codes")
    func schemaInvariants() async throws {
        defer { directory.remove() }
        let volume = ComputeFixtures.bareVolume(1, owner: owner)
        _ = try await catalog.insertVolume(volume)
        _ = try await catalog.insertInstance(ComputeFixtures.instance(1, owner: owner), volumes: [])
        let refused = [
            ("UPDATE volumes SET instance_id = ? WHERE id = ?", [ComputeFixtures.instanceId(1), volume.id]),
            ("UPDATE volumes SET state = 'gone' WHERE id = ?", [volume.id]),
            ("UPDATE volumes SET product_codes = '{}' WHERE id = ?", [volume.id]),
            ("UPDATE instances SET state = 'asleep' WHERE id = ?", [ComputeFixtures.instanceId(1)]),
            (
                """
                INSERT INTO resource_tags (resource_id, resource_type, owner_id, position, key, value)
                VALUES (?, 'snapshot', '000000000001', 0, 'k', 'v')
                """, [volume.id]
            ),
        ]
        for (sql, arguments) in refused {
            await #expect(throws: DatabaseError.self, "\(sql)") {
                try await catalog.pool.write { db in
                    try db.execute(sql: sql, arguments: StatementArguments(arguments))
                }
            }
        }
        #expect(try await catalog.volume(id: volume.id) == volume)
    }

    @Test("a page of snapshots is read through indexes, never a scan of every snapshot")
    func snapshotsPageUsesIndexes() async throws {
        defer { directory.remove() }
        func plan(_ sql: String) async throws -> [String] {
            try await catalog.pool.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: [owner.id, "", 1000])
                    .map { $0["detail"] as String }
            }
        }
        let owned = try await plan(PageStamp.ownedSQL)
        let shared = try await plan(PageStamp.sharedSQL)
        #expect(owned.contains { $0.contains("snapshots_owner_id") }, "\(owned)")
        #expect(shared.contains { $0.contains("snapshot_permissions_account") }, "\(shared)")
        for step in owned + shared {
            #expect(!step.hasPrefix("SCAN snapshots") && !step.hasPrefix("SCAN snapshot_create"), "\(step)")
            #expect(!step.contains("TEMP B-TREE"), "already in id order: \(step)")
        }
    }

    @Test("owned and shared stamps merge by id, once each, cut to the limit")
    func pageStampsMerge() {
        func stamps(_ ids: [String]) -> [PageStamp] { ids.map { PageStamp(id: $0, ownerId: "o", revision: 1, row: nil) } }
        let owned = stamps(["snap-01", "snap-03", "snap-05", "snap-07"])
        let shared = stamps(["snap-02", "snap-03", "snap-06", "snap-08", "snap-09"])
        #expect(
            PageStamp.merge(owned, shared, limit: 100).map(\.id)
                == ["snap-01", "snap-02", "snap-03", "snap-05", "snap-06", "snap-07", "snap-08", "snap-09"])
        #expect(PageStamp.merge(owned, shared, limit: 4).map(\.id) == ["snap-01", "snap-02", "snap-03", "snap-05"])
        #expect(PageStamp.merge([], shared, limit: 2).map(\.id) == ["snap-02", "snap-03"])
        #expect(PageStamp.merge(owned, [], limit: 0).isEmpty)
    }
}

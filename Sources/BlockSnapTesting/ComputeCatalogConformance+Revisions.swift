import BlockSnapCore
import Foundation
import Synchronization
import Testing

extension ComputeCatalogConformance {
    /// Every change to what a snapshot shows gives it a new revision, never one given before;
    /// reads and changes to other snapshots leave it alone.
    static func snapshotRevisions(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, other) = try await owners(catalog)
        let watched = CatalogFixtures.pendingSnapshot(1, owner: owner)
        let neighbour = CatalogFixtures.pendingSnapshot(2, owner: owner)
        _ = try await catalog.insertSnapshot(watched)
        _ = try await catalog.insertSnapshot(neighbour)

        var seen: Set<Int64> = []
        func revisions() async throws -> [String: Int64] {
            let page = try await catalog.snapshotsPage(visibleTo: owner.id, after: nil, limit: 10) { _, _ in false }
            return Dictionary(uniqueKeysWithValues: page.map { ($0.id, $0.revision) })
        }
        /// Runs `change` and checks the watched snapshot's revision is new and the neighbour's
        /// unchanged.
        func expectNewRevision(_ what: String, _ change: () async throws -> Void) async throws {
            let before = try await revisions()
            try await change()
            let after = try await revisions()
            guard let revision = after[watched.id] else {
                Issue.record("\(what): the snapshot left the page")
                return
            }
            #expect(revision != before[watched.id], "\(what) must change the revision")
            #expect(!seen.contains(revision), "\(what) must give a revision never given before")
            #expect(after[neighbour.id] == before[neighbour.id], "\(what) must not change another snapshot's revision")
            seen.insert(revision)
        }
        seen.formUnion(try await revisions().values)
        #expect(seen.count == 2, "two snapshots, two revisions")

        let unchanged = try await revisions()
        _ = try await catalog.snapshot(id: watched.id)
        _ = try await catalog.snapshots(ownerId: owner.id)
        _ = try await catalog.writtenBlocks(snapshotId: watched.id)
        #expect(try await revisions() == unchanged, "reads change no revision")

        try await expectNewRevision("recordBlock") {
            let recorded = try await catalog.recordBlock(
                snapshotId: watched.id, block: WrittenBlock(index: 3, ref: .zero), progress: 10,
                deadline: watched.deadline)
            #expect(recorded)
        }
        try await expectNewRevision("setSnapshotProgress") {
            try await catalog.setSnapshotProgress(id: watched.id, progress: 20)
        }
        try await expectNewRevision("putTags (a new key)") {
            try await catalog.putTags([Tag(key: "team", value: "a")], on: [watched.id], ownerId: owner.id)
        }
        try await expectNewRevision("putTags (a new value)") {
            try await catalog.putTags([Tag(key: "team", value: "b")], on: [watched.id], ownerId: owner.id)
        }
        try await expectNewRevision("deleteTags") {
            try await catalog.deleteTags([(key: "team", value: nil)], from: [watched.id], ownerId: owner.id)
        }
        try await expectNewRevision("setCreateVolumePermissions (share)") {
            let shared = try await catalog.setCreateVolumePermissions(snapshotId: watched.id, accountIds: [other.id])
            #expect(shared)
        }
        try await expectNewRevision("setCreateVolumePermissions (unshare)") {
            let unshared = try await catalog.setCreateVolumePermissions(snapshotId: watched.id, accountIds: [])
            #expect(unshared)
        }
        try await expectNewRevision("completeSnapshot") {
            let completed = try await catalog.completeSnapshot(
                id: watched.id, rootNode: nil, nodes: [], changedBlocksCount: 1, completionTime: watched.deadline)
            #expect(completed)
        }

        // Deleted and made again under the same id: a revision never given before.
        #expect(try await catalog.deleteSnapshot(id: watched.id))
        _ = try await catalog.insertSnapshot(watched)
        let again = try await revisions()
        #expect(again[watched.id].map { !seen.contains($0) } == true, "a snapshot made again gets a new revision")
        #expect(again[neighbour.id] == unchanged[neighbour.id])
    }

    /// Snapshots whose revision the caller knows come back as `.known` without their record;
    /// the others with their whole record; `known` is asked about every snapshot of the page,
    /// with the snapshot's current revision.
    static func knownSnapshotsInPages(_ catalog: any Catalog & ComputeCatalog) async throws {
        func revisionsNow(_ page: [SnapshotPageEntry]) -> [String: Int64] {
            Dictionary(uniqueKeysWithValues: page.map { ($0.id, $0.revision) })
        }
        let (owner, other) = try await owners(catalog)
        var expected: [SnapshotRecord] = []
        for n in 1...6 {
            var snapshot = CatalogFixtures.fullSnapshot(n, owner: n % 2 == 0 ? other : owner)
            snapshot.clientToken = nil
            snapshot.createVolumePermissions = n % 2 == 0 ? [owner.id] : []
            snapshot.tags = [Tag(key: "n", value: "\(n)")]
            _ = try await catalog.insertSnapshot(snapshot)
            expected.append(try #require(try await catalog.snapshot(id: snapshot.id)))
        }
        expected.sort { $0.id < $1.id }

        let first = try await catalog.snapshotsPage(visibleTo: owner.id, after: nil, limit: 10) { _, _ in false }
        #expect(first.compactMap(\.record) == expected, "owned and shared, whole records, by id")
        #expect(first.count == expected.count)
        let revisions = Dictionary(uniqueKeysWithValues: first.map { ($0.id, $0.revision) })

        // Known: the odd ones at their current revisions, and one at a stale revision.
        let asked = Mutex<[String: Int64]>([:])
        let knownIds: Set<String> = [expected[0].id, expected[2].id, expected[3].id]
        let stale = expected[3].id
        try await catalog.putTags([Tag(key: "later", value: "x")], on: [stale], ownerId: expected[3].ownerId)
        let page = try await catalog.snapshotsPage(visibleTo: owner.id, after: nil, limit: 10) { id, revision in
            asked.withLock { $0[id] = revision }
            return knownIds.contains(id) && (id != stale || revision == revisions[id])
        }
        #expect(page.count == 6)
        #expect(asked.withLock { $0 } == revisionsNow(page), "asked about each snapshot, at its revision")
        for (entry, record) in zip(page, expected) {
            #expect(entry.id == record.id && entry.ownerId == record.ownerId)
            if knownIds.contains(record.id) && record.id != stale {
                #expect(entry == .known(id: record.id, ownerId: record.ownerId, revision: revisions[record.id]!))
            } else {
                #expect(entry.record?.id == record.id, "\(record.id) comes back whole")
            }
        }
        let current = try #require(page.first { $0.id == stale })
        #expect(current.revision != revisions[stale], "the tag changed the stale one's revision")
        #expect(current.record?.tags.map(\.key) == ["n", "later"], "and its record is the current one")

        // Limits and `after` apply as to whole records.
        let second = try await catalog.snapshotsPage(visibleTo: owner.id, after: expected[1].id, limit: 2) { _, _ in true }
        #expect(second.map(\.id) == [expected[2].id, expected[3].id])
        #expect(second.allSatisfy { $0.record == nil })
    }
}

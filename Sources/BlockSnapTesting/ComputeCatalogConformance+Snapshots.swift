import BlockSnapCore
import Foundation
import Testing

extension ComputeCatalogConformance {
    /// The EC2 snapshot fields round trip through every read; permissions come back sorted and
    /// without repeats; a permission for an unknown account fails the insert.
    static func snapshotFieldsRoundTrip(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, other) = try await owners(catalog)
        let third = try await thirdAccount(catalog)
        var snapshot = CatalogFixtures.fullSnapshot(1, owner: owner)
        snapshot.createVolumePermissions = [third.id, other.id, third.id]
        var expected = snapshot
        expected.createVolumePermissions = [other.id, third.id]
        #expect(try await catalog.insertSnapshot(snapshot) == .inserted)
        #expect(try await catalog.snapshot(id: snapshot.id) == expected, "permissions: sorted, no repeats")
        #expect(try await catalog.snapshots(ownerId: owner.id) == [expected])
        #expect(try await catalog.snapshotsPage(visibleTo: owner.id, after: nil, limit: 10) == [expected])
        #expect(try await catalog.pendingVolumeSnapshots() == [expected])
        #expect(try await catalog.expiredPendingSnapshots(now: snapshot.deadline) == [expected])
        var reuse = CatalogFixtures.pendingSnapshot(2, owner: owner, clientToken: snapshot.clientToken)
        reuse.volumeId = "vol-other"
        #expect(try await catalog.insertSnapshot(reuse) == .clientTokenExists(expected))

        var unknownAccount = CatalogFixtures.pendingSnapshot(3, owner: owner)
        unknownAccount.createVolumePermissions = ["999999999999"]
        await #expect(throws: (any Error).self, "a permission for an unknown account must throw") {
            _ = try await catalog.insertSnapshot(unknownAccount)
        }
        #expect(try await catalog.snapshot(id: unknownAccount.id) == nil, "and store nothing")
    }

    /// A page holds the snapshots the account owns or may create volumes from, by id, after
    /// `after`, at most `limit`; walking pages lists each exactly once.
    static func snapshotsPage(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, other) = try await owners(catalog)
        let third = try await thirdAccount(catalog)
        var visible: [SnapshotRecord] = []
        for n in 1...30 {
            var snapshot = CatalogFixtures.pendingSnapshot(n, owner: [owner, other, third][n % 3])
            snapshot.tags = [Tag(key: "n", value: "\(n)")]
            if n % 3 == 1 { snapshot.createVolumePermissions = [owner.id] }
            if n % 5 == 0 { snapshot.createVolumePermissions = [owner.id, third.id] }
            _ = try await catalog.insertSnapshot(snapshot)
            snapshot.createVolumePermissions.sort()
            if snapshot.ownerId == owner.id || snapshot.createVolumePermissions.contains(owner.id) {
                visible.append(snapshot)
            }
        }
        visible.sort { $0.id < $1.id }
        #expect(try await catalog.snapshotsPage(visibleTo: owner.id, after: nil, limit: 100) == visible)

        var walked: [SnapshotRecord] = []
        var after: String?
        while true {
            let page = try await catalog.snapshotsPage(visibleTo: owner.id, after: after, limit: 4)
            #expect(page.count <= 4)
            walked += page
            guard page.count == 4, let last = page.last else { break }
            after = last.id
        }
        #expect(walked == visible, "walking pages lists each visible snapshot once, in order")
        let middle = visible[5].id
        #expect(
            try await catalog.snapshotsPage(visibleTo: owner.id, after: middle, limit: 3) == Array(visible[6..<9]),
            "after is exclusive")
        #expect(try await catalog.snapshotsPage(visibleTo: owner.id, after: visible.last?.id, limit: 5) == [])
        #expect(try await catalog.snapshotsPage(visibleTo: owner.id, after: nil, limit: 0) == [])
        #expect(try await catalog.snapshotsPage(visibleTo: "999999999999", after: nil, limit: 10) == [])
        let thirds = try await catalog.snapshotsPage(visibleTo: third.id, after: nil, limit: 100)
        #expect(thirds.allSatisfy { $0.ownerId == third.id || $0.createVolumePermissions.contains(third.id) })
        #expect(thirds.count == 10 + 4, "owned, plus shared but not owned")
    }

    /// Permissions are replaced as a set; an empty set unshares; an unknown snapshot is false;
    /// an unknown account throws and changes nothing.
    static func createVolumePermissions(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, other) = try await owners(catalog)
        let third = try await thirdAccount(catalog)
        let snapshot = CatalogFixtures.pendingSnapshot(1, owner: owner)
        _ = try await catalog.insertSnapshot(snapshot)

        #expect(
            try await catalog.setCreateVolumePermissions(snapshotId: snapshot.id, accountIds: [third.id, other.id]))
        #expect(try await catalog.snapshot(id: snapshot.id)?.createVolumePermissions == [other.id, third.id])
        #expect(try await catalog.snapshotsPage(visibleTo: other.id, after: nil, limit: 10).map(\.id) == [snapshot.id])
        #expect(try await catalog.setCreateVolumePermissions(snapshotId: snapshot.id, accountIds: [third.id]))
        #expect(
            try await catalog.snapshot(id: snapshot.id)?.createVolumePermissions == [third.id], "replaced, not added")
        #expect(try await catalog.snapshotsPage(visibleTo: other.id, after: nil, limit: 10) == [])

        await #expect(throws: (any Error).self, "an unknown account must throw") {
            _ = try await catalog.setCreateVolumePermissions(
                snapshotId: snapshot.id, accountIds: [other.id, "999999999999"])
        }
        #expect(
            try await catalog.snapshot(id: snapshot.id)?.createVolumePermissions == [third.id], "and change nothing")
        #expect(try await catalog.setCreateVolumePermissions(snapshotId: snapshot.id, accountIds: []))
        #expect(try await catalog.snapshot(id: snapshot.id)?.createVolumePermissions == [])
        #expect(
            try await catalog.setCreateVolumePermissions(snapshotId: CatalogFixtures.snapshotId(999), accountIds: [])
                == false)
    }

    /// Completed and errored snapshots are deleted with their tags and permissions; pending and
    /// unknown ones are refused.
    static func deleteSnapshot(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, other) = try await owners(catalog)
        var completed = CatalogFixtures.fullSnapshot(1, owner: owner)
        completed.createVolumePermissions = [other.id]
        let failed = CatalogFixtures.fullSnapshot(2, owner: owner)
        let pending = CatalogFixtures.fullSnapshot(3, owner: owner)
        for snapshot in [completed, failed, pending] { _ = try await catalog.insertSnapshot(snapshot) }
        _ = try await catalog.completeSnapshot(
            id: completed.id, rootNode: nil, nodes: [], changedBlocksCount: 0, completionTime: CatalogFixtures.time(1))
        _ = try await catalog.failSnapshot(id: failed.id, message: "broken")

        let pendingBefore = try await catalog.snapshot(id: pending.id)
        #expect(try await catalog.deleteSnapshot(id: pending.id) == false, "a pending snapshot is not deleted")
        #expect(try await catalog.snapshot(id: pending.id) == pendingBefore)
        #expect(try await catalog.deleteSnapshot(id: completed.id))
        #expect(try await catalog.deleteSnapshot(id: failed.id))
        #expect(try await catalog.snapshot(id: completed.id) == nil)
        #expect(try await catalog.snapshot(id: failed.id) == nil)
        #expect(try await catalog.deleteSnapshot(id: completed.id) == false, "deleting twice is false")
        #expect(try await catalog.deleteSnapshot(id: CatalogFixtures.snapshotId(999)) == false)
        let tagged = Set(try await catalog.resourceTags(ownerId: owner.id).map(\.resourceId))
        #expect(tagged == [pending.id], "a deleted snapshot's tags go with it")
        #expect(try await catalog.snapshotsPage(visibleTo: other.id, after: nil, limit: 10) == [])
        #expect(try await catalog.snapshots(ownerId: owner.id).map(\.id) == [pending.id])

        _ = try await catalog.insertSnapshot(CatalogFixtures.pendingSnapshot(1, owner: owner))
        let reused = try await catalog.snapshot(id: completed.id)
        #expect(reused?.tags == [] && reused?.createVolumePermissions == [], "nothing survives into a reused id")
    }

    /// Progress changes only on a pending snapshot.
    static func setSnapshotProgress(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, _) = try await owners(catalog)
        let pending = CatalogFixtures.pendingSnapshot(1, owner: owner)
        let completed = CatalogFixtures.pendingSnapshot(2, owner: owner)
        _ = try await catalog.insertSnapshot(pending)
        _ = try await catalog.insertSnapshot(completed)
        _ = try await catalog.completeSnapshot(
            id: completed.id, rootNode: nil, nodes: [], changedBlocksCount: 0, completionTime: CatalogFixtures.time(1))

        try await catalog.setSnapshotProgress(id: pending.id, progress: 42)
        var expected = pending
        expected.progress = 42
        #expect(try await catalog.snapshot(id: pending.id) == expected, "progress changes, nothing else")
        try await catalog.setSnapshotProgress(id: completed.id, progress: 10)
        #expect(try await catalog.snapshot(id: completed.id)?.progress == 100, "a completed snapshot keeps 100")
        try await catalog.setSnapshotProgress(id: CatalogFixtures.snapshotId(999), progress: 5)
    }

    /// Completion also makes the snapshot the volume's latest, with its root as the base, all
    /// at once; a refused completion touches neither.
    static func completeVolumeSnapshot(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, _) = try await owners(catalog)
        let volume = ComputeFixtures.bareVolume(1, owner: owner)
        let neighbour = ComputeFixtures.volume(2, owner: owner)
        _ = try await catalog.insertVolume(volume)
        _ = try await catalog.insertVolume(neighbour)
        let snapshot = ComputeFixtures.volumeSnapshot(1, owner: owner, volumeId: volume.id)
        _ = try await catalog.insertSnapshot(snapshot)
        _ = try await catalog.recordBlock(
            snapshotId: snapshot.id, block: WrittenBlock(index: 3, ref: .zero), progress: 50,
            deadline: snapshot.deadline)

        let node = MapNodeRecord(hash: CatalogFixtures.hash(10), body: [1, 2])
        #expect(
            try await catalog.completeVolumeSnapshot(
                id: snapshot.id, volumeId: volume.id, rootNode: node.hash, nodes: [node], changedBlocksCount: 1,
                completionTime: CatalogFixtures.time(9)))
        var expectedSnapshot = snapshot
        expectedSnapshot.status = .completed
        expectedSnapshot.progress = 100
        expectedSnapshot.rootNode = node.hash
        expectedSnapshot.changedBlocksCount = 1
        expectedSnapshot.completionTime = CatalogFixtures.time(9)
        #expect(try await catalog.snapshot(id: snapshot.id) == expectedSnapshot, "completed as completeSnapshot does")
        #expect(try await catalog.mapNode(node.hash) == node.body)
        #expect(try await catalog.writtenBlockCount(snapshotId: snapshot.id) == 0)
        var expectedVolume = volume
        expectedVolume.lastSnapshotId = snapshot.id
        expectedVolume.baseRoot = node.hash
        #expect(try await catalog.volume(id: volume.id) == expectedVolume, "the volume's latest snapshot and base")
        #expect(try await catalog.volume(id: neighbour.id) == neighbour, "other volumes are untouched")

        #expect(
            try await catalog.completeVolumeSnapshot(
                id: snapshot.id, volumeId: neighbour.id, rootNode: nil, nodes: [], changedBlocksCount: 0,
                completionTime: CatalogFixtures.time(10)) == false, "a snapshot completes only once")
        #expect(try await catalog.volume(id: neighbour.id) == neighbour, "a refused completion touches no volume")
        #expect(try await catalog.snapshot(id: snapshot.id) == expectedSnapshot)

        let empty = ComputeFixtures.volumeSnapshot(2, owner: owner, volumeId: neighbour.id)
        _ = try await catalog.insertSnapshot(empty)
        #expect(
            try await catalog.completeVolumeSnapshot(
                id: empty.id, volumeId: neighbour.id, rootNode: nil, nodes: [], changedBlocksCount: 0,
                completionTime: CatalogFixtures.time(11)))
        let emptied = try await catalog.volume(id: neighbour.id)
        #expect(emptied?.baseRoot == nil && emptied?.lastSnapshotId == empty.id, "a nil root is an empty base")
    }

    /// Only pending snapshots taken of a volume, by start time.
    static func pendingVolumeSnapshots(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, other) = try await owners(catalog)
        let later = ComputeFixtures.volumeSnapshot(1, owner: owner, volumeId: "vol-a")
        var earlier = ComputeFixtures.volumeSnapshot(2, owner: other, volumeId: "vol-b")
        earlier.startTime = CatalogFixtures.time(0)
        let direct = CatalogFixtures.pendingSnapshot(3, owner: owner)
        let completed = ComputeFixtures.volumeSnapshot(4, owner: owner, volumeId: "vol-a")
        let failed = ComputeFixtures.volumeSnapshot(5, owner: owner, volumeId: "vol-a")
        for snapshot in [later, earlier, direct, completed, failed] { _ = try await catalog.insertSnapshot(snapshot) }
        _ = try await catalog.completeSnapshot(
            id: completed.id, rootNode: nil, nodes: [], changedBlocksCount: 0, completionTime: CatalogFixtures.time(1))
        _ = try await catalog.failSnapshot(id: failed.id, message: "broken")
        #expect(try await catalog.pendingVolumeSnapshots() == [earlier, later], "pending, of a volume, by start time")
    }
}

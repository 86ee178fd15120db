import BlockSnapCore
import Foundation
import Testing

extension CatalogConformance {
    /// Every field round trips: tags keep their order, dates their milliseconds, nils stay nil;
    /// a sub-millisecond time comes back within a millisecond; a duplicate id throws.
    static func snapshotRoundTrip(_ catalog: any Catalog) async throws {
        let (owner, other) = try await owners(catalog)
        var full = CatalogFixtures.fullSnapshot(10, owner: owner)
        full.createVolumePermissions = [other.id]
        let bare = CatalogFixtures.pendingSnapshot(11, owner: owner)
        #expect(try await catalog.insertSnapshot(full) == .inserted)
        #expect(try await catalog.insertSnapshot(bare) == .inserted)
        #expect(try await catalog.snapshot(id: full.id) == full, "every field must round trip")
        #expect(try await catalog.snapshot(id: bare.id) == bare, "nil fields and no tags must round trip")
        #expect(try await catalog.snapshots(ownerId: owner.id) == [full, bare], "lists carry every field")
        #expect(try await catalog.snapshot(id: CatalogFixtures.snapshotId(999)) == nil)

        var precise = CatalogFixtures.pendingSnapshot(12, owner: owner)
        precise.startTime = Date(timeIntervalSince1970: 1_700_000_000.123_456_7)
        precise.deadline = precise.startTime.addingTimeInterval(0.000_4)
        _ = try await catalog.insertSnapshot(precise)
        let read = try #require(try await catalog.snapshot(id: precise.id))
        #expect(abs(read.startTime.timeIntervalSince(precise.startTime)) < 0.001, "times keep millisecond precision")
        #expect(abs(read.deadline.timeIntervalSince(precise.deadline)) < 0.001)

        var duplicate = CatalogFixtures.pendingSnapshot(11, owner: owner)
        duplicate.description = "another"
        await #expect(throws: (any Error).self, "a duplicate snapshot id must throw") {
            _ = try await catalog.insertSnapshot(duplicate)
        }
        #expect(try await catalog.snapshot(id: bare.id) == bare, "a failed insert must not change the stored one")
    }

    /// A reused client token returns the stored snapshot and stores nothing; tokens are scoped
    /// by owner; snapshots without a token never conflict.
    static func clientTokens(_ catalog: any Catalog) async throws {
        let (owner, other) = try await owners(catalog)
        var first = CatalogFixtures.fullSnapshot(20, owner: owner)
        first.clientToken = "token"
        #expect(try await catalog.insertSnapshot(first) == .inserted)

        var reuse = CatalogFixtures.pendingSnapshot(21, owner: owner, clientToken: "token")
        reuse.description = "different parameters"
        #expect(
            try await catalog.insertSnapshot(reuse) == .clientTokenExists(first),
            "a reused token must return the stored snapshot")
        #expect(try await catalog.snapshot(id: reuse.id) == nil, "a reused token must store nothing")

        let otherOwner = CatalogFixtures.pendingSnapshot(22, owner: other, clientToken: "token")
        #expect(try await catalog.insertSnapshot(otherOwner) == .inserted, "tokens are scoped by owner")

        for n in 23...24 {
            let untokened = CatalogFixtures.pendingSnapshot(n, owner: owner)
            #expect(try await catalog.insertSnapshot(untokened) == .inserted, "nil tokens never conflict")
        }
        #expect(try await catalog.snapshots(ownerId: owner.id).count == 3)
    }

    /// Fail moves only a pending snapshot to `error`, once, keeping the first reason.
    static func failSnapshot(_ catalog: any Catalog) async throws {
        let (owner, _) = try await owners(catalog)
        var pending = CatalogFixtures.pendingSnapshot(30, owner: owner)
        pending.progress = 20
        let completed = CatalogFixtures.pendingSnapshot(31, owner: owner)
        _ = try await catalog.insertSnapshot(pending)
        _ = try await catalog.insertSnapshot(completed)
        #expect(
            try await catalog.completeSnapshot(
                id: completed.id, rootNode: nil, nodes: [], changedBlocksCount: 0,
                completionTime: CatalogFixtures.time(1)))

        #expect(try await catalog.failSnapshot(id: pending.id, message: "timed out"))
        var expected = pending
        expected.status = .error
        expected.statusMessage = "timed out"
        #expect(try await catalog.snapshot(id: pending.id) == expected, "fail sets status and message only")
        #expect(try await catalog.failSnapshot(id: pending.id, message: "again") == false, "fail only once")
        #expect(try await catalog.snapshot(id: pending.id)?.statusMessage == "timed out")
        #expect(
            try await catalog.completeSnapshot(
                id: pending.id, rootNode: nil, nodes: [], changedBlocksCount: 0,
                completionTime: CatalogFixtures.time(2)) == false, "an errored snapshot never completes")
        #expect(try await catalog.snapshot(id: pending.id)?.status == .error)

        #expect(try await catalog.failSnapshot(id: completed.id, message: "late") == false)
        let stillCompleted = try await catalog.snapshot(id: completed.id)
        #expect(stillCompleted?.status == .completed && stillCompleted?.statusMessage == nil)
        #expect(try await catalog.failSnapshot(id: CatalogFixtures.snapshotId(999), message: "x") == false)
    }

    /// Only pending snapshots with a deadline at or before `now` are expired.
    static func expiredPendingSnapshots(_ catalog: any Catalog) async throws {
        let (owner, other) = try await owners(catalog)
        let early = CatalogFixtures.pendingSnapshot(40, owner: owner, deadline: CatalogFixtures.time(1_000))
        let boundary = CatalogFixtures.pendingSnapshot(41, owner: other, deadline: CatalogFixtures.time(2_000))
        let later = CatalogFixtures.pendingSnapshot(42, owner: owner, deadline: CatalogFixtures.time(3_000))
        let completed = CatalogFixtures.pendingSnapshot(43, owner: owner, deadline: CatalogFixtures.time(500))
        let failed = CatalogFixtures.pendingSnapshot(44, owner: owner, deadline: CatalogFixtures.time(500))
        for snapshot in [early, boundary, later, completed, failed] { _ = try await catalog.insertSnapshot(snapshot) }
        _ = try await catalog.completeSnapshot(
            id: completed.id, rootNode: nil, nodes: [], changedBlocksCount: 0, completionTime: CatalogFixtures.time(9))
        _ = try await catalog.failSnapshot(id: failed.id, message: "failed")

        let expired = try await catalog.expiredPendingSnapshots(now: CatalogFixtures.time(2_000))
        #expect(Set(expired.map(\.id)) == [early.id, boundary.id], "deadline <= now, pending only, every owner")
        #expect(expired.first { $0.id == early.id } == early, "expired snapshots come back whole")
        #expect(try await catalog.expiredPendingSnapshots(now: CatalogFixtures.time(999)) == [])

        let moved = try await catalog.recordBlock(
            snapshotId: early.id, block: WrittenBlock(index: 0, ref: .zero), progress: nil,
            deadline: CatalogFixtures.time(5_000))
        #expect(moved)
        let afterMove = try await catalog.expiredPendingSnapshots(now: CatalogFixtures.time(2_000))
        #expect(afterMove.map(\.id) == [boundary.id], "recordBlock moves the deadline")
    }

    /// `snapshots(ownerId:)` holds only that owner's snapshots, every status, by start time.
    static func snapshotsByOwner(_ catalog: any Catalog) async throws {
        let (owner, other) = try await owners(catalog)
        let third = CatalogFixtures.pendingSnapshot(50, owner: owner, start: CatalogFixtures.time(3_000))
        let first = CatalogFixtures.fullSnapshot(51, owner: owner)
        let second = CatalogFixtures.pendingSnapshot(52, owner: owner, start: CatalogFixtures.time(2_000))
        let foreign = CatalogFixtures.pendingSnapshot(53, owner: other, start: CatalogFixtures.time(1_500))
        for snapshot in [third, first, second, foreign] { _ = try await catalog.insertSnapshot(snapshot) }
        _ = try await catalog.failSnapshot(id: second.id, message: "broken")

        let listed = try await catalog.snapshots(ownerId: owner.id)
        #expect(listed.map(\.id) == [first.id, second.id, third.id], "by start time, owner only")
        #expect(listed.first == first, "listed snapshots come back whole")
        #expect(listed.dropFirst().first?.status == .error, "every status is listed")
        #expect(try await catalog.snapshots(ownerId: other.id) == [foreign])
        #expect(try await catalog.snapshots(ownerId: "999999999999") == [])
    }
}

import BlockSnapCore
import Foundation
import Services
import Testing

@Suite struct SnapshotRulesTests {
    @Test func timeoutMovesAnIdleSnapshotToError() async throws {
        let h = try await ServiceHarness()
        let snapshot = try await h.service.startSnapshot(StartSnapshotInput(volumeSizeGiB: 1, timeoutMinutes: 10), owner: h.owner)
        h.clock.advance(by: 9 * 60)
        try await h.put(snapshot.id, 0, ServiceHarness.block(0))
        // A block pushes the deadline: 9 more minutes are still inside it.
        h.clock.advance(by: 9 * 60)
        let sweeper = TimeoutSweeper(catalog: h.catalog, clock: h.clock, interval: .seconds(1), logger: .init(label: "t"))
        #expect(try await sweeper.sweep().isEmpty)
        h.clock.advance(by: 2 * 60)
        #expect(try await sweeper.sweep() == [snapshot.id])
        #expect(try await h.catalog.snapshot(id: snapshot.id)?.status == .error)
        let error = await #expect(throws: ServiceError.self) { try await h.put(snapshot.id, 1, ServiceHarness.block(1)) }
        #expect(error?.code == .incorrectSnapshotState)
    }

    @Test func overdueSnapshotFailsOnAccessWithoutASweep() async throws {
        let h = try await ServiceHarness()
        let snapshot = try await h.service.startSnapshot(StartSnapshotInput(volumeSizeGiB: 1), owner: h.owner)
        h.clock.advance(by: 3601)
        await #expect(throws: ServiceError.self) { _ = try await h.complete(snapshot.id, 0) }
        #expect(try await h.catalog.snapshot(id: snapshot.id)?.status == .error)
    }

    @Test func clientTokenReturnsTheSameSnapshotOrConflicts() async throws {
        let h = try await ServiceHarness()
        let input = StartSnapshotInput(volumeSizeGiB: 4, tags: [Tag(key: "k", value: "v")], clientToken: "token-1")
        let first = try await h.service.startSnapshot(input, owner: h.owner)
        let again = try await h.service.startSnapshot(input, owner: h.owner)
        #expect(first.id == again.id)
        var other = input
        other.volumeSizeGiB = 5
        let error = await #expect(throws: ServiceError.self) { _ = try await h.service.startSnapshot(other, owner: h.owner) }
        #expect(error?.code == .idempotencyConflict)
        // Another account may use the same token for its own snapshot.
        let stranger = try await h.accounts.create(name: "stranger").account
        #expect(try await h.service.startSnapshot(input, owner: stranger).id != first.id)
    }

    @Test(arguments: [
        (StartSnapshotInput(volumeSizeGiB: 0), ServiceError.Code.invalidVolumeSize),
        (StartSnapshotInput(volumeSizeGiB: 65537), .invalidVolumeSize),
        (StartSnapshotInput(volumeSizeGiB: 1, timeoutMinutes: 9), .invalidParameterValue),
        (StartSnapshotInput(volumeSizeGiB: 1, timeoutMinutes: 4321), .invalidParameterValue),
        (StartSnapshotInput(volumeSizeGiB: 1, description: String(repeating: "d", count: 256)), .invalidParameterValue),
        (StartSnapshotInput(volumeSizeGiB: 1, tags: [Tag(key: "aws:x", value: "")]), .invalidTag),
        (StartSnapshotInput(volumeSizeGiB: 1, tags: [Tag(key: String(repeating: "k", count: 128), value: "")]), .invalidTag),
        (StartSnapshotInput(volumeSizeGiB: 1, tags: (0..<51).map { Tag(key: "k\($0)", value: "") }), .invalidTag),
        (StartSnapshotInput(volumeSizeGiB: 1, encrypted: true), .invalidCustomerKey),
        (StartSnapshotInput(volumeSizeGiB: 1, parentSnapshotId: "snap-0123456789abcdef0", encrypted: true), .invalidParameterCombination),
        (StartSnapshotInput(volumeSizeGiB: 1, parentSnapshotId: "vol-1"), .invalidSnapshotId),
        (StartSnapshotInput(volumeSizeGiB: 1, parentSnapshotId: "snap-0123456789abcdef0"), .snapshotNotFound),
    ])
    func invalidStartsAreRefused(input: StartSnapshotInput, code: ServiceError.Code) async throws {
        let h = try await ServiceHarness()
        let error = await #expect(throws: ServiceError.self) { _ = try await h.service.startSnapshot(input, owner: h.owner) }
        #expect(error?.code == code)
        #expect(try await h.catalog.snapshots(ownerId: h.owner.id).isEmpty)
    }

    @Test func anotherAccountCannotSeeOrWriteTheSnapshot() async throws {
        let h = try await ServiceHarness()
        let stranger = try await h.accounts.create(name: "stranger").account
        let snapshot = try await h.service.startSnapshot(StartSnapshotInput(volumeSizeGiB: 1), owner: h.owner)
        let error = await #expect(throws: ServiceError.self) {
            try await h.put(snapshot.id, 0, ServiceHarness.block(0), as: stranger)
        }
        #expect(error?.code == .snapshotNotFound)
    }

    @Test func tokensAreBoundToSnapshotBlockAndTime() async throws {
        let h = try await ServiceHarness()
        var ids: [String] = []
        for seed in 0..<2 {
            let snapshot = try await h.service.startSnapshot(StartSnapshotInput(volumeSizeGiB: 1), owner: h.owner)
            try await h.put(snapshot.id, 0, ServiceHarness.block(seed))
            try await h.put(snapshot.id, 1, ServiceHarness.block(seed + 10))
            _ = try await h.complete(snapshot.id, 2)
            ids.append(snapshot.id)
        }
        let page = try await h.service.listSnapshotBlocks(snapshotId: ids[0], paging: BlockListingInput(), owner: h.owner)
        let token0 = page.items[0].token
        for (snapshot, index) in [(ids[1], Int64(0)), (ids[0], Int64(1))] {
            let error = await #expect(throws: ServiceError.self) {
                _ = try await h.service.getSnapshotBlock(snapshotId: snapshot, blockIndex: index, blockToken: token0, owner: h.owner)
            }
            #expect(error?.code == .invalidBlockToken)
        }
        let unrelated = await #expect(throws: ServiceError.self) {
            _ = try await h.service.listChangedBlocks(
                firstSnapshotId: ids[0], secondSnapshotId: ids[1], paging: BlockListingInput(), owner: h.owner)
        }
        #expect(unrelated?.code == .unrelatedSnapshots)
        h.clock.advance(by: 8 * 24 * 3600)
        let expired = await #expect(throws: ServiceError.self) {
            _ = try await h.service.getSnapshotBlock(snapshotId: ids[0], blockIndex: 0, blockToken: token0, owner: h.owner)
        }
        #expect(expired?.code == .invalidBlockToken)
    }

    @Test func pagesWalkTheWholeListingAndForgedPageTokensFail() async throws {
        let h = try await ServiceHarness()
        let snapshot = try await h.service.startSnapshot(StartSnapshotInput(volumeSizeGiB: 1), owner: h.owner)
        for index in 0..<250 { try await h.put(snapshot.id, Int64(index * 3), index % 2 == 0 ? ServiceHarness.zeros : ServiceHarness.block(index)) }
        _ = try await h.complete(snapshot.id, 250)
        let first = try await h.service.listSnapshotBlocks(snapshotId: snapshot.id, paging: BlockListingInput(maxResults: 100), owner: h.owner)
        #expect(first.items.count == 100 && first.nextToken != nil)
        #expect(try await h.readAll(snapshot.id).keys.sorted() == (0..<250).map { Int64($0 * 3) })
        let error = await #expect(throws: ServiceError.self) {
            _ = try await h.service.listSnapshotBlocks(
                snapshotId: snapshot.id, paging: BlockListingInput(nextToken: first.nextToken! + "A"), owner: h.owner)
        }
        #expect(error?.code == .invalidPageToken)
        let started = try await h.service.listSnapshotBlocks(
            snapshotId: snapshot.id, paging: BlockListingInput(maxResults: 100, startingBlockIndex: 700), owner: h.owner)
        #expect(started.items.first?.index == 702)
    }

    @Test func largestVolumeStartWriteCompleteListDiff() async throws {
        let h = try await ServiceHarness()
        let parent = try await h.service.startSnapshot(StartSnapshotInput(volumeSizeGiB: 65536), owner: h.owner)
        let last = BlockGeometry.blockCount(volumeSizeGiB: 65536) - 1
        let indexes = (0..<10).map { Int64($0) * (last / 9) }
        for index in indexes { try await h.put(parent.id, index, ServiceHarness.block(Int(index % 97))) }
        _ = try await h.complete(parent.id, 10)
        let child = try await h.service.startSnapshot(StartSnapshotInput(volumeSizeGiB: 65536, parentSnapshotId: parent.id), owner: h.owner)
        try await h.put(child.id, last, ServiceHarness.zeros)
        _ = try await h.complete(child.id, 1)
        #expect(try await h.readAll(child.id).keys.sorted() == Array(Set(indexes + [last])).sorted())
        let changes = try await h.service.listChangedBlocks(
            firstSnapshotId: parent.id, secondSnapshotId: child.id, paging: BlockListingInput(), owner: h.owner)
        #expect(changes.items.map(\.index) == [last])
    }
}

@Suite struct VolumeSnapshotIsolationTests {
    @Test func directWritesAndCompletionAreRefusedOnAVolumeSnapshot() async throws {
        let h = try await ServiceHarness()
        let now = h.clock.now()
        var record = SnapshotRecord(
            id: "snap-0123456789abcdef0", ownerId: h.owner.id, status: .pending, progress: 0, volumeSizeGiB: 1,
            description: nil, parentId: nil, lineageId: "vol-0123456789abcdef0", rootNode: nil, tags: [],
            startTime: now, timeoutMinutes: 0, deadline: .distantFuture, clientToken: nil, requestFingerprint: nil)
        record.volumeId = "vol-0123456789abcdef0"
        _ = try await h.catalog.insertSnapshot(record)
        let put = await #expect(throws: ServiceError.self) { try await h.put(record.id, 0, ServiceHarness.block(1)) }
        #expect(put?.code == .incorrectSnapshotState)
        let complete = await #expect(throws: ServiceError.self) { _ = try await h.complete(record.id, 0) }
        #expect(complete?.code == .incorrectSnapshotState)
        #expect(try await h.catalog.snapshot(id: record.id)?.status == .pending)
        #expect(try await h.catalog.writtenBlockCount(snapshotId: record.id) == 0)
    }
}

import BlockSnapCore
import Services
import Testing

@Suite struct SnapshotLifecycleTests {
    @Test func uploadCompleteAndReadBackExactly() async throws {
        let h = try await ServiceHarness()
        let snapshot = try await h.service.startSnapshot(StartSnapshotInput(volumeSizeGiB: 1), owner: h.owner)
        #expect(snapshot.status == .pending)
        let blocks: [Int64: [UInt8]] = [0: ServiceHarness.block(0), 7: ServiceHarness.block(7), 2047: ServiceHarness.zeros]
        for (index, data) in blocks { try await h.put(snapshot.id, index, data) }
        let done = try await h.complete(snapshot.id, 3)
        #expect(done.status == .completed && done.progress == 100)
        #expect(try await h.readAll(snapshot.id) == blocks)
        // The zero block is recorded but not stored.
        #expect(try await h.objectCount() == 2)
    }

    @Test func lastWriteToAnIndexWinsAndCountsOnce() async throws {
        let h = try await ServiceHarness()
        let snapshot = try await h.service.startSnapshot(StartSnapshotInput(volumeSizeGiB: 1), owner: h.owner)
        try await h.put(snapshot.id, 3, ServiceHarness.block(1))
        try await h.put(snapshot.id, 3, ServiceHarness.block(2))
        await #expect(throws: ServiceError.self) { _ = try await h.complete(snapshot.id, 2) }
        _ = try await h.complete(snapshot.id, 1)
        #expect(try await h.readAll(snapshot.id) == [3: ServiceHarness.block(2)])
    }

    @Test func childInheritsParentAndZeroHidesParentBlock() async throws {
        let h = try await ServiceHarness()
        let parent = try await h.service.startSnapshot(StartSnapshotInput(volumeSizeGiB: 1), owner: h.owner)
        try await h.put(parent.id, 1, ServiceHarness.block(1))
        try await h.put(parent.id, 2, ServiceHarness.block(2))
        _ = try await h.complete(parent.id, 2)
        let child = try await h.service.startSnapshot(
            StartSnapshotInput(volumeSizeGiB: 2, parentSnapshotId: parent.id), owner: h.owner)
        try await h.put(child.id, 2, ServiceHarness.zeros)
        try await h.put(child.id, 3000, ServiceHarness.block(1))
        _ = try await h.complete(child.id, 2)
        #expect(try await h.readAll(child.id) == [1: ServiceHarness.block(1), 2: ServiceHarness.zeros, 3000: ServiceHarness.block(1)])
        // Block 1's content is stored once although three map entries hold it.
        #expect(try await h.objectCount() == 2)
        let changes = try await h.service.listChangedBlocks(
            firstSnapshotId: parent.id, secondSnapshotId: child.id, paging: BlockListingInput(), owner: h.owner)
        #expect(changes.items.map(\.index) == [2, 3000])
        #expect(changes.items[0].firstToken != nil && changes.items[1].firstToken == nil)
    }

    @Test func blocksAreRefusedOnceCompletedAndOutsideTheVolume() async throws {
        let h = try await ServiceHarness()
        let snapshot = try await h.service.startSnapshot(StartSnapshotInput(volumeSizeGiB: 1), owner: h.owner)
        await #expect(throws: ServiceError(.invalidBlock, "BlockIndex 2048 is outside the volume (0 to 2047).")) {
            try await h.put(snapshot.id, 2048, ServiceHarness.block(1))
        }
        _ = try await h.complete(snapshot.id, 0)
        let error = await #expect(throws: ServiceError.self) { try await h.put(snapshot.id, 0, ServiceHarness.block(1)) }
        #expect(error?.code == .incorrectSnapshotState)
    }

    @Test func checksumMismatchStoresNothing() async throws {
        let h = try await ServiceHarness()
        let snapshot = try await h.service.startSnapshot(StartSnapshotInput(volumeSizeGiB: 1), owner: h.owner)
        let input = PutSnapshotBlockInput(
            snapshotId: snapshot.id, blockIndex: 0, data: ServiceHarness.block(1), dataLength: 524_288,
            checksum: ServiceHarness.checksum(ServiceHarness.block(2)), checksumAlgorithm: "SHA256", progress: nil)
        let error = await #expect(throws: ServiceError.self) { _ = try await h.service.putSnapshotBlock(input, owner: h.owner) }
        #expect(error?.code == .invalidBlock)
        #expect(try await h.objectCount() == 0)
        #expect(try await h.catalog.writtenBlockCount(snapshotId: snapshot.id) == 0)
    }

    @Test func aggregateChecksumIsVerified() async throws {
        let h = try await ServiceHarness()
        let snapshot = try await h.service.startSnapshot(StartSnapshotInput(volumeSizeGiB: 1), owner: h.owner)
        let blocks = [ServiceHarness.block(5), ServiceHarness.zeros]
        for (index, data) in blocks.enumerated() { try await h.put(snapshot.id, Int64(index), data) }
        var joined: [UInt8] = []
        for data in blocks { joined += Base64.decode(ServiceHarness.checksum(data))! }
        let good = ServiceHarness.checksum(joined)
        let bad = ServiceHarness.checksum(Array(joined.reversed()))
        func complete(_ checksum: String) async throws -> SnapshotRecord {
            try await h.service.completeSnapshot(
                CompleteSnapshotInput(
                    snapshotId: snapshot.id, changedBlocksCount: 2, checksum: checksum, checksumAlgorithm: "SHA256",
                    checksumAggregationMethod: "LINEAR"), owner: h.owner)
        }
        await #expect(throws: ServiceError.self) { _ = try await complete(bad) }
        #expect(try await complete(good).status == .completed)
    }
}

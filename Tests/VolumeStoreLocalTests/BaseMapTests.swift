import BlockSnapCore
import Testing

@testable import VolumeStoreLocal

/// Volumes created on a base map: lazy reads, fill-from-base on partial writes, block status,
/// moving the base.
@Suite struct BaseMapTests {
    /// Blocks 0, 1, 5 hold data, block 2 is an explicit zero entry; the rest is absent.
    private func makeBase(_ env: VolumeTestEnvironment) async throws -> BlockHash? {
        try await env.baseMap([
            0: pattern(tag: 100, block: 0), 1: pattern(tag: 100, block: 1), 2: [UInt8](repeating: 0, count: blockSize),
            5: pattern(tag: 100, block: 5),
        ])
    }

    @Test func readsComeFromTheBaseWithNothingCopied() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1, base: try await makeBase(env))
        try await store.createVolume(volume)
        let whole = try await store.read(volumeId: volume.id, offset: 0, length: 6 * blockSize)
        #expect(Array(whole[0..<blockSize]) == pattern(tag: 100, block: 0))
        #expect(Array(whole[blockSize..<2 * blockSize]) == pattern(tag: 100, block: 1))
        #expect(whole[2 * blockSize..<5 * blockSize].allSatisfy { $0 == 0 })
        #expect(Array(whole[(5 * blockSize)...]) == pattern(tag: 100, block: 5))
        // An unaligned read across a base block boundary.
        let middle = try await store.read(volumeId: volume.id, offset: blockSize64 - 10, length: 20)
        let expectedMiddle =
            Array(pattern(tag: 100, block: 0)[(blockSize - 10)...]) + Array(pattern(tag: 100, block: 1)[..<10])
        #expect(middle == expectedMiddle)
        // Nothing was copied: the data file is still all holes, and no block is changed.
        try await store.flush(volumeId: volume.id)
        let data = try POSIXFile.open(env.volumesRoot + "/\(volume.id)/data.0", flags: 0)
        #expect(try data.allocatedBytes() == 0)
        #expect(try await store.freeze([volume.id])[volume.id]?.indexes == [])
    }

    /// Reads into a caller's memory give the same bytes as reads into an array, across local,
    /// base-data, base-zero and absent blocks, aligned or not; every byte is written.
    @Test func readsIntoCallerMemoryMatchArrayReads() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1, base: try await makeBase(env))
        try await store.createVolume(volume)
        try await store.write(volumeId: volume.id, offset: blockSize64 + 777, bytes: stamp(3, count: 5000))
        try await store.write(volumeId: volume.id, offset: 4 * blockSize64, bytes: pattern(tag: 7, block: 4))
        let ranges: [(Int64, Int)] = [
            (0, 6 * blockSize), (blockSize64 - 10, 20), (blockSize64 + 700, 6000), (3 * blockSize64 - 1, blockSize + 2),
            (4 * blockSize64 + 5, 10), (6 * blockSize64, blockSize), (0, 0),
        ]
        for (offset, length) in ranges {
            let expected = try await store.read(volumeId: volume.id, offset: offset, length: length)
            let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(length, 1), alignment: 16)
            defer { memory.deallocate() }
            memory.initializeMemory(as: UInt8.self, repeating: 0xEE)
            try await store.read(
                volumeId: volume.id, offset: offset, into: ReadDestination(start: memory.baseAddress!, count: length))
            #expect(Array(memory.prefix(length)) == expected, "read of \(length) bytes at \(offset)")
        }
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: 100, alignment: 16)
        defer { memory.deallocate() }
        await #expect(throws: VolumeStoreError.self) {
            try await store.read(
                volumeId: volume.id, offset: (1 << 30) - 50, into: ReadDestination(start: memory.baseAddress!, count: 100))
        }
    }

    @Test func partialWriteFillsTheBlockFromTheBase() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1, base: try await makeBase(env))
        try await store.createVolume(volume)
        // 4 KiB into block 1 (base data), and 4 KiB into block 3 (no base entry).
        try await store.write(volumeId: volume.id, offset: blockSize64 + 8192, bytes: stamp(1, count: 4096))
        try await store.write(volumeId: volume.id, offset: 3 * blockSize64 + 100, bytes: stamp(2, count: 4096))
        var expected1 = pattern(tag: 100, block: 1)
        expected1.replaceSubrange(8192..<8192 + 4096, with: stamp(1, count: 4096))
        #expect(try await store.read(volumeId: volume.id, offset: blockSize64, length: blockSize) == expected1)
        var expected3 = [UInt8](repeating: 0, count: blockSize)
        expected3.replaceSubrange(100..<100 + 4096, with: stamp(2, count: 4096))
        #expect(try await store.read(volumeId: volume.id, offset: 3 * blockSize64, length: blockSize) == expected3)
        // Only the written blocks changed; the freeze sees the filled content.
        let frozen = try #require(try await store.freeze([volume.id])[volume.id])
        #expect(frozen.indexes == [1, 3])
        #expect(try await frozen.read(1) == expected1)
        await frozen.release(captured: true)
        // Zeroes over part of a base block also fill the rest from the base.
        try await store.writeZeroes(volumeId: volume.id, offset: 5 * blockSize64, length: 10)
        var expected5 = pattern(tag: 100, block: 5)
        expected5.replaceSubrange(0..<10, with: repeatElement(0, count: 10))
        #expect(try await store.read(volumeId: volume.id, offset: 5 * blockSize64, length: blockSize) == expected5)
    }

    /// Many partial writes racing into one base block: each fill from the base happens once,
    /// before the first write, and no write is lost to another's fill.
    @Test func concurrentPartialWritesIntoOneBaseBlockAllLand() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1, base: try await makeBase(env))
        try await store.createVolume(volume)
        let id = volume.id
        try await withThrowingTaskGroup(of: Void.self) { group in
            for piece in 0..<32 {
                group.addTask {
                    let offset = 5 * blockSize64 + Int64(piece) * 8192
                    try await store.write(volumeId: id, offset: offset, bytes: stamp(piece, count: 4096))
                }
            }
            try await group.waitForAll()
        }
        var expected = pattern(tag: 100, block: 5)
        for piece in 0..<32 {
            expected.replaceSubrange(piece * 8192..<piece * 8192 + 4096, with: stamp(piece, count: 4096))
        }
        #expect(try await store.read(volumeId: id, offset: 5 * blockSize64, length: blockSize) == expected)
    }

    @Test func blockStatusReportsLocalAndBaseDataAsAllocated() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1, base: try await makeBase(env))
        try await store.createVolume(volume)
        try await store.write(volumeId: volume.id, offset: 3 * blockSize64, bytes: [1])
        let extents = try await store.blockStatus(volumeId: volume.id, offset: 0, length: 8 * blockSize64)
        #expect(
            extents == [
                VolumeExtent(offset: 0, length: 2 * blockSize64, allocated: true),
                VolumeExtent(offset: 2 * blockSize64, length: blockSize64, allocated: false),
                VolumeExtent(offset: 3 * blockSize64, length: blockSize64, allocated: true),
                VolumeExtent(offset: 4 * blockSize64, length: blockSize64, allocated: false),
                VolumeExtent(offset: 5 * blockSize64, length: blockSize64, allocated: true),
                VolumeExtent(offset: 6 * blockSize64, length: 2 * blockSize64, allocated: false),
            ])
        // Unaligned ranges are clipped to what was asked.
        let clipped = try await store.blockStatus(volumeId: volume.id, offset: blockSize64 + 7, length: blockSize64)
        #expect(
            clipped == [
                VolumeExtent(offset: blockSize64 + 7, length: blockSize64 - 7, allocated: true),
                VolumeExtent(offset: 2 * blockSize64, length: 7, allocated: false),
            ])
        #expect(try await store.blockStatus(volumeId: volume.id, offset: 0, length: 0).isEmpty)
    }

    @Test func blockStatusDescribesAtMostTheConfiguredBlocks() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore(.init(maxStatusBlocks: 4))
        let volume = VolumeTestEnvironment.volume(1)
        try await store.createVolume(volume)
        let extents = try await store.blockStatus(volumeId: volume.id, offset: 100, length: (1 << 30) - 100)
        #expect(extents == [VolumeExtent(offset: 100, length: 4 * blockSize64 - 100, allocated: false)])
    }

    @Test func setBaseMovesTheBaseAndKeepsLocalBlocks() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1, base: try await makeBase(env))
        try await store.createVolume(volume)
        try await store.write(volumeId: volume.id, offset: 0, bytes: [7])
        let next = try await env.baseMap([0: pattern(tag: 200, block: 0), 1: pattern(tag: 200, block: 1)])
        try store.setBase(volumeId: volume.id, root: next)
        let block0 = try await store.read(volumeId: volume.id, offset: 0, length: 2)
        #expect(block0 == [7, pattern(tag: 100, block: 0)[1]])
        #expect(
            try await store.read(volumeId: volume.id, offset: blockSize64, length: blockSize)
                == pattern(tag: 200, block: 1))
    }
}

import BlockSnapCore
import BlockSnapTesting
import Foundation
import Testing

@testable import VolumeStoreLocal

/// A volume's data in segment files: volumes larger than ext4's 16 TiB file limit, transfers
/// crossing segment boundaries, block status, freezes and restarts across segments. Most tests use
/// 4 MiB (8-block) segments so that a small volume has many.
@Suite struct SegmentedVolumeTests {
    private static let segment: Int64 = 4 << 20
    private static let small = LocalVolumeStore.Configuration(segmentBytes: segment)

    /// 65536 GiB (the io2 and snapshot maximum; ext4 cannot hold it in one file): created sparse,
    /// written and read in the first, a middle and the last segment and across a boundary,
    /// frozen, and reopened — with the default 1 TiB segments and with 4 MiB ones.
    @Test(arguments: [Int64(1) << 40, Int64(4) << 20])
    func a65536GiBVolumeWorksInEverySegment(segmentBytes: Int64) async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let configuration = LocalVolumeStore.Configuration(segmentBytes: segmentBytes)
        let volume = VolumeTestEnvironment.volume(1, sizeGiB: 65_536)
        let id = volume.id
        let size: Int64 = 65_536 << 30
        let segments = Int(size / segmentBytes)
        let store = env.makeStore(configuration)
        try await store.createVolume(volume)
        #expect(try store.size(volumeId: id) == size)
        #expect(try dataFileNames(root: env.volumesRoot, id: id) == ["data.0"])
        let first = env.volumesRoot + "/\(id)/data.0"
        #expect(try fileLength(first) == segmentBytes)
        #expect(try POSIXFile.open(first, flags: O_RDONLY).allocatedBytes() == 0)

        let writes: [(offset: Int64, bytes: [UInt8])] = [
            (4096, stamp(1, count: 8192)),  // the first segment
            (Int64(segments / 2) * segmentBytes + 12_345, stamp(2, count: 100_000)),  // a middle one
            (2 * segmentBytes - 3000, stamp(3, count: 6000)),  // across the boundary of 1 and 2
            (size - 5000, stamp(4, count: 5000)),  // the last, up to the end
        ]
        for write in writes { try await store.write(volumeId: id, offset: write.offset, bytes: write.bytes) }
        for write in writes {
            #expect(try await store.read(volumeId: id, offset: write.offset, length: write.bytes.count) == write.bytes)
        }
        try await store.flush(volumeId: id)
        #expect(
            try dataFileNames(root: env.volumesRoot, id: id)
                == [0, 1, 2, segments / 2, segments - 1].map { "data.\($0)" })
        #expect(try fileLength(env.volumesRoot + "/\(id)/data.\(segments - 1)") == segmentBytes)
        // Around the writes everything still reads as zeros.
        let tail = try await store.read(volumeId: id, offset: size - 6000, length: 6000)
        #expect(tail[..<1000].allSatisfy { $0 == 0 } && Array(tail[1000...]) == writes[3].bytes)

        // Block status across the boundary of segments 1 and 2, and at the very end.
        let boundary = 2 * segmentBytes
        #expect(
            try await store.blockStatus(volumeId: id, offset: boundary - 2 * blockSize64, length: 4 * blockSize64) == [
                VolumeExtent(offset: boundary - 2 * blockSize64, length: blockSize64, allocated: false),
                VolumeExtent(offset: boundary - blockSize64, length: 2 * blockSize64, allocated: true),
                VolumeExtent(offset: boundary + blockSize64, length: blockSize64, allocated: false),
            ])
        #expect(
            try await store.blockStatus(volumeId: id, offset: size - 3 * blockSize64, length: 3 * blockSize64) == [
                VolumeExtent(offset: size - 3 * blockSize64, length: 2 * blockSize64, allocated: false),
                VolumeExtent(offset: size - blockSize64, length: blockSize64, allocated: true),
            ])

        let expectedBlocks = Set(
            writes.flatMap { write in
                Array(write.offset / blockSize64...(write.offset + Int64(write.bytes.count) - 1) / blockSize64)
            }
        ).sorted()
        let frozen = try #require(try await store.freeze([id])[id])
        #expect(frozen.indexes == expectedBlocks)
        let last = try await frozen.read(size / blockSize64 - 1)
        #expect(Array(last[(blockSize - 5000)...]) == writes[3].bytes)
        await frozen.release(captured: false)
        try await store.close(volumeId: id)

        // Reopened by a restarted process: same content, same changed set.
        let restarted = env.makeStore(configuration)
        try await restarted.open(volume)
        for write in writes {
            #expect(
                try await restarted.read(volumeId: id, offset: write.offset, length: write.bytes.count) == write.bytes)
        }
        #expect(try await restarted.freeze([id])[id]?.indexes == expectedBlocks)
    }

    /// Writes, zeroes and trims over the first five segments, many of them across boundaries
    /// (one across three segments), checked against a model, before and after a restart.
    @Test func transfersAcrossSegmentBoundariesMatchAModel() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let volume = VolumeTestEnvironment.volume(1)
        let id = volume.id
        let span = Int(5 * Self.segment)
        var model = [UInt8](repeating: 0, count: span)
        do {
            let store = env.makeStore(Self.small)
            try await store.createVolume(volume)
            // 5 MiB from 3.5 MiB: the end of segment 0, all of segment 1, the start of segment 2.
            let wide = stamp(1, count: 5 << 20)
            let wideAt = Int(Self.segment) - (512 << 10)
            try await store.write(volumeId: id, offset: Int64(wideAt), bytes: wide)
            model.replaceSubrange(wideAt..<wideAt + wide.count, with: wide)
            #expect(try await store.read(volumeId: id, offset: 0, length: span) == model)

            var random = SeededGenerator(seed: 4)
            let boundaries = (1..<5).map { Int($0 * Self.segment) }
            for step in 0..<300 {
                // Half the operations start within two blocks before a boundary.
                let offset =
                    Bool.random(using: &random)
                    ? boundaries.randomElement(using: &random)! - Int.random(in: 1...2 * blockSize, using: &random)
                    : Int.random(in: 0..<span - 1, using: &random)
                let length = Int.random(in: 1...min(span - offset, 3 * blockSize), using: &random)
                switch Int.random(in: 0..<10, using: &random) {
                case 0:
                    try await store.writeZeroes(volumeId: id, offset: Int64(offset), length: Int64(length))
                    model.replaceSubrange(offset..<offset + length, with: repeatElement(0, count: length))
                case 1:
                    try await store.trim(volumeId: id, offset: Int64(offset), length: Int64(length))
                    model.replaceSubrange(offset..<offset + length, with: repeatElement(0, count: length))
                case 2...5:
                    let bytes = stamp(step, count: length)
                    try await store.write(volumeId: id, offset: Int64(offset), bytes: bytes, fua: step % 50 == 0)
                    model.replaceSubrange(offset..<offset + length, with: bytes)
                default:
                    let read = try await store.read(volumeId: id, offset: Int64(offset), length: length)
                    #expect(read == Array(model[offset..<offset + length]), "step \(step)")
                }
            }
            #expect(try await store.read(volumeId: id, offset: 0, length: span) == model)
            try await store.close(volumeId: id)
        }
        let store = env.makeStore(Self.small)
        try await store.open(volume)
        #expect(try await store.read(volumeId: id, offset: 0, length: span) == model)
        #expect(try dataFileNames(root: env.volumesRoot, id: id) == (0..<5).map { "data.\($0)" })
    }

    @Test func blockStatusAcrossASegmentBoundary() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore(Self.small)
        // Block 7 is the last of segment 0, block 8 the first of segment 1; block 9 is in the base.
        let volume = VolumeTestEnvironment.volume(1, base: try await env.baseMap([9: pattern(tag: 9, block: 9)]))
        let id = volume.id
        try await store.createVolume(volume)
        try await store.write(volumeId: id, offset: 7 * blockSize64 + 100, bytes: [1])
        #expect(
            try await store.blockStatus(volumeId: id, offset: 6 * blockSize64 + 5, length: 5 * blockSize64 - 10) == [
                VolumeExtent(offset: 6 * blockSize64 + 5, length: blockSize64 - 5, allocated: false),
                VolumeExtent(offset: 7 * blockSize64, length: blockSize64, allocated: true),
                VolumeExtent(offset: 8 * blockSize64, length: blockSize64, allocated: false),
                VolumeExtent(offset: 9 * blockSize64, length: blockSize64, allocated: true),
                VolumeExtent(offset: 10 * blockSize64, length: blockSize64 - 5, allocated: false),
            ])
        // A partial write into block 8 (segment 1) makes one allocated run from 7 to 9.
        try await store.write(volumeId: id, offset: 8 * blockSize64 - 2, bytes: [2, 3, 4, 5])
        #expect(
            try await store.blockStatus(volumeId: id, offset: 6 * blockSize64, length: 5 * blockSize64) == [
                VolumeExtent(offset: 6 * blockSize64, length: blockSize64, allocated: false),
                VolumeExtent(offset: 7 * blockSize64, length: 3 * blockSize64, allocated: true),
                VolumeExtent(offset: 10 * blockSize64, length: blockSize64, allocated: false),
            ])
        #expect(try await store.read(volumeId: id, offset: 8 * blockSize64 - 3, length: 6) == [0, 2, 3, 4, 5, 0])
        #expect(
            try await store.read(volumeId: id, offset: 9 * blockSize64, length: blockSize) == pattern(tag: 9, block: 9))
    }

    /// A freeze of blocks on both sides of a boundary; one write across the boundary preserves
    /// the blocks of both segments before overwriting them.
    @Test func freezeAndCopyBeforeWriteAcrossSegments() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore(Self.small)
        let volume = VolumeTestEnvironment.volume(1)
        let id = volume.id
        try await store.createVolume(volume)
        let blocks = Int64(6)..<10  // segment 0: 6, 7; segment 1: 8, 9
        let a = blocks.flatMap { pattern(tag: 1, block: $0) }
        let b = blocks.flatMap { pattern(tag: 2, block: $0) }
        try await store.write(volumeId: id, offset: 6 * blockSize64, bytes: a)
        let frozen = try #require(try await store.freeze([id])[id])
        #expect(frozen.indexes == Array(blocks))
        // One write over all four blocks, then a small one across the boundary again.
        try await store.write(volumeId: id, offset: 6 * blockSize64, bytes: b)
        try await store.write(volumeId: id, offset: 8 * blockSize64 - 100, bytes: stamp(5, count: 200))
        var live = b
        live.replaceSubrange(2 * blockSize - 100..<2 * blockSize + 100, with: stamp(5, count: 200))
        for index in blocks.reversed() { #expect(try await frozen.read(index) == pattern(tag: 1, block: index)) }
        #expect(try await store.read(volumeId: id, offset: 6 * blockSize64, length: 4 * blockSize) == live)
        await frozen.release(captured: true)
        let next = try #require(try await store.freeze([id])[id])
        #expect(next.indexes == Array(blocks))
        for index in blocks {
            let at = Int(index - 6) * blockSize
            #expect(try await next.read(index) == Array(live[at..<at + blockSize]))
        }
        await next.release(captured: true)
    }

    /// After a crash and after a clean close; a restarted store with another configured segment
    /// size keeps the volume's own (it is recorded in the checkpoint).
    @Test func restartAndReopenKeepEverySegment() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let volume = VolumeTestEnvironment.volume(1)
        let id = volume.id
        let blocks: [Int64] = [0, 31, 64, 1600, 2047]  // segments 0, 3, 8, 200, 255
        do {
            let store = env.makeStore(Self.small)
            try await store.createVolume(volume)
            for index in blocks {
                try await store.write(
                    volumeId: id, offset: index * blockSize64, bytes: pattern(tag: 1, block: index), fua: true)
            }
            // Crash: the store goes away without closing.
        }
        do {
            let store = env.makeStore(Self.small)
            try await store.open(volume)
            for index in blocks {
                #expect(
                    try await store.read(volumeId: id, offset: index * blockSize64, length: blockSize)
                        == pattern(tag: 1, block: index))
            }
            let frozen = try #require(try await store.freeze([id])[id])
            #expect(frozen.indexes == blocks)
            await frozen.release(captured: true)
            try await store.close(volumeId: id)
        }
        let store = env.makeStore()  // 1 TiB segments configured: the volume keeps 4 MiB
        try await store.open(volume)
        for index in blocks {
            #expect(
                try await store.read(volumeId: id, offset: index * blockSize64, length: blockSize)
                    == pattern(tag: 1, block: index))
        }
        try await store.write(volumeId: id, offset: 800 * blockSize64, bytes: [7], fua: true)
        #expect(
            try dataFileNames(root: env.volumesRoot, id: id) == [0, 3, 8, 100, 200, 255].map { "data.\($0)" })
        #expect(try await store.freeze([id])[id]?.indexes == [800])
    }

    /// 3 MiB segments: a 1 GiB volume ends 1 MiB into segment 341. Growing it extends that file
    /// and later segments appear on first write.
    @Test func resizeExtendsThePartialLastSegment() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore(.init(segmentBytes: 3 << 20))
        let volume = VolumeTestEnvironment.volume(1)
        let id = volume.id
        try await store.createVolume(volume)
        let lastPath = env.volumesRoot + "/\(id)/data.341"
        try await store.write(volumeId: id, offset: (1 << 30) - 2, bytes: [1, 2])
        #expect(try fileLength(lastPath) == 1 << 20)
        try await store.resize(volumeId: id, newSizeGiB: 2)
        #expect(try fileLength(lastPath) == 3 << 20)
        try await store.write(volumeId: id, offset: (1 << 30) - 1, bytes: [3, 4, 5])
        try await store.write(volumeId: id, offset: (2 << 30) - 1, bytes: [6])
        #expect(try await store.read(volumeId: id, offset: (1 << 30) - 3, length: 6) == [0, 1, 3, 4, 5, 0])
        #expect(try await store.read(volumeId: id, offset: (2 << 30) - 2, length: 2) == [0, 6])
        #expect(try fileLength(env.volumesRoot + "/\(id)/data.682") == 2 << 20)
        try await store.flush(volumeId: id)
    }

    /// The segment file itself: reads of missing segments, lazy creation, and what a flush syncs.
    @Test func segmentsAreCreatedLazilyAndSyncedWhenTouched() throws {
        let directory = try TemporaryDirectory(prefix: "blocksnap-segments")
        defer { directory.remove() }
        let layout = VolumeLayout(directory: directory.path)
        let volumeBytes: Int64 = 10 * Self.segment
        try SegmentedDataFile.create(layout, segmentBytes: Self.segment, volumeBytes: volumeBytes)
        let data = try SegmentedDataFile.open(layout, segmentBytes: Self.segment, volumeBytes: volumeBytes)
        #expect(data.segmentIndexes() == [0])
        // Segment 0 is synced by every flush, touched or not.
        #expect(data.takeUnsynced().written.count == 1)
        // A read of segments 0 (a file) and 1 (none yet): zeros, nothing created.
        #expect(try data.read(count: 100, at: Self.segment - 50) == [UInt8](repeating: 0, count: 100))
        #expect(data.segmentIndexes() == [0])

        try data.write([1, 2, 3, 4], range: 0..<4, at: Self.segment - 2)
        var pending = data.takeUnsynced()
        #expect(pending.written.count == 1 && pending.created.count == 1)
        try data.sync(pending)
        pending = data.takeUnsynced()
        #expect(pending.written.count == 1 && pending.created.isEmpty)
        try data.write([9], range: 0..<1, at: Self.segment + 7)
        pending = data.takeUnsynced()
        #expect(pending.written.count == 2 && pending.created.isEmpty)
        #expect(try data.punchHole(at: 5 * Self.segment, length: blockSize64))
        pending = data.takeUnsynced()
        #expect(pending.written.count == 1 && pending.created.count == 1)
        #expect(data.segmentIndexes() == [0, 1, 5])
        #expect(try data.read(count: 6, at: Self.segment - 3) == [0, 1, 2, 3, 4, 0])
        #expect(try fileLength(layout.segmentPath(1)) == Self.segment)

        // Reopened: the same segments, and the old single-file name is refused next to them.
        let reopened = try SegmentedDataFile.open(layout, segmentBytes: Self.segment, volumeBytes: volumeBytes)
        #expect(reopened.segmentIndexes() == [0, 1, 5])
        #expect(try reopened.read(count: 2, at: Self.segment + 7) == [9, 0])
        _ = try POSIXFile.open(layout.legacyDataPath, flags: O_RDWR | O_CREAT)
        #expect(throws: VolumeStoreError.self) {
            try SegmentedDataFile.open(layout, segmentBytes: Self.segment, volumeBytes: volumeBytes)
        }
        // A missing segment 0 is created at open (and synced, with the directory, at the flush).
        try DirectoryOperations.removeFile(layout.legacyDataPath, durably: false)
        try DirectoryOperations.removeFile(layout.segmentPath(0), durably: false)
        let recreated = try SegmentedDataFile.open(layout, segmentBytes: Self.segment, volumeBytes: volumeBytes)
        #expect(recreated.segmentIndexes() == [0, 1, 5])
        pending = recreated.takeUnsynced()
        #expect(pending.written.isEmpty && pending.created.count == 1)
        #expect(try recreated.read(count: 3, at: Self.segment - 2) == [0, 0, 3])
    }

    @Test func segmentFileNames() {
        #expect(VolumeLayout.segmentIndex(fileName: "data.0") == 0)
        #expect(VolumeLayout.segmentIndex(fileName: "data.16777215") == 16_777_215)
        for name in ["data", "data.", "data.01", "data.-1", "data.1a", "data.tmp", "state", "xdata.1"] {
            #expect(VolumeLayout.segmentIndex(fileName: name) == nil, "\(name)")
        }
        #expect(LocalVolumeStore.Configuration(segmentBytes: 0).effectiveSegmentBytes == blockSize64)
        #expect(
            LocalVolumeStore.Configuration(segmentBytes: 3 * blockSize64 + 1).effectiveSegmentBytes == 3 * blockSize64)
    }
}

import BlockSnapCore
import Testing

@testable import VolumeStoreLocal

/// Read-your-writes, unaligned and multi-block ranges, zeroes and trim, typed errors.
@Suite struct ReadWriteTests {
    @Test func freshVolumeReadsZerosAndHasItsSize() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1, sizeGiB: 2)
        try await store.createVolume(volume)
        #expect(try store.size(volumeId: volume.id) == 2 << 30)
        #expect(
            try await store.read(volumeId: volume.id, offset: 0, length: 4096) == [UInt8](repeating: 0, count: 4096))
        let end = try await store.read(volumeId: volume.id, offset: (2 << 30) - 100, length: 100)
        #expect(end == [UInt8](repeating: 0, count: 100))
        #expect(try await store.read(volumeId: volume.id, offset: 0, length: 0).isEmpty)
    }

    @Test func unalignedWriteSpanningBlocksReadsBack() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1)
        try await store.createVolume(volume)
        // From the middle of block 3 to the middle of block 6: two partial blocks, two whole.
        let offset = 3 * blockSize64 + 12_345
        let bytes = stamp(7, count: 3 * blockSize + 1000)
        try await store.write(volumeId: volume.id, offset: offset, bytes: bytes)
        #expect(try await store.read(volumeId: volume.id, offset: offset, length: bytes.count) == bytes)
        let around = try await store.read(volumeId: volume.id, offset: 3 * blockSize64, length: 4 * blockSize)
        #expect(around[0..<12_345].allSatisfy { $0 == 0 })
        #expect(Array(around[12_345..<12_345 + bytes.count]) == bytes)
        #expect(around[(12_345 + bytes.count)...].allSatisfy { $0 == 0 })
        // A one-byte overwrite inside, and a read straddling it.
        try await store.write(volumeId: volume.id, offset: offset + 600_000, bytes: [0xAB])
        let small = try await store.read(volumeId: volume.id, offset: offset + 599_999, length: 3)
        #expect(small == [bytes[599_999], 0xAB, bytes[600_001]])
    }

    /// Random writes, write-zeroes and trims over the first 16 blocks, checked against a model.
    @Test func randomOperationsMatchAModel() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1)
        try await store.createVolume(volume)
        let span = 16 * blockSize
        var model = [UInt8](repeating: 0, count: span)
        var random = SeededGenerator(seed: 42)
        for step in 0..<300 {
            let offset = Int.random(in: 0..<span - 1, using: &random)
            let length = Int.random(in: 1...min(span - offset, 2 * blockSize), using: &random)
            switch Int.random(in: 0..<10, using: &random) {
            case 0:
                try await store.writeZeroes(volumeId: volume.id, offset: Int64(offset), length: Int64(length))
                model.replaceSubrange(offset..<offset + length, with: repeatElement(0, count: length))
            case 1:
                try await store.trim(volumeId: volume.id, offset: Int64(offset), length: Int64(length))
                model.replaceSubrange(offset..<offset + length, with: repeatElement(0, count: length))
            case 2...5:
                let bytes = stamp(step, count: length)
                try await store.write(volumeId: volume.id, offset: Int64(offset), bytes: bytes, fua: step % 50 == 0)
                model.replaceSubrange(offset..<offset + length, with: bytes)
            default:
                let read = try await store.read(volumeId: volume.id, offset: Int64(offset), length: length)
                #expect(read == Array(model[offset..<offset + length]), "step \(step)")
            }
        }
        #expect(try await store.read(volumeId: volume.id, offset: 0, length: span) == model)
    }

    @Test func wholeBlockZeroesLeaveHoles() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1)
        try await store.createVolume(volume)
        try await store.write(
            volumeId: volume.id, offset: 0, bytes: pattern(tag: 1, block: 0) + pattern(tag: 1, block: 1))
        try await store.writeZeroes(volumeId: volume.id, offset: 0, length: 2 * blockSize64)
        try await store.flush(volumeId: volume.id)
        #expect(try await store.read(volumeId: volume.id, offset: 0, length: 2 * blockSize).allSatisfy { $0 == 0 })
        let data = try POSIXFile.open(env.volumesRoot + "/\(volume.id)/data.0", flags: 0)
        #expect(try data.allocatedBytes() < 64 * 1024)
    }

    @Test func outOfRangeIsATypedError() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1)
        try await store.createVolume(volume)
        let size: Int64 = 1 << 30
        let id = volume.id
        #expect(await throwsCode(.outOfRange) { _ = try await store.read(volumeId: id, offset: size - 10, length: 11) })
        #expect(await throwsCode(.outOfRange) { _ = try await store.read(volumeId: id, offset: -1, length: 1) })
        #expect(await throwsCode(.outOfRange) { try await store.write(volumeId: id, offset: size, bytes: [1]) })
        #expect(await throwsCode(.outOfRange) { try await store.write(volumeId: id, offset: Int64.max, bytes: [1]) })
        #expect(
            await throwsCode(.outOfRange) { try await store.writeZeroes(volumeId: id, offset: 0, length: size + 1) })
        #expect(await throwsCode(.outOfRange) { try await store.trim(volumeId: id, offset: size - 1, length: 2) })
        #expect(
            await throwsCode(.outOfRange) { _ = try await store.blockStatus(volumeId: id, offset: size, length: 1) })
        // Exactly up to the end is fine, and nothing was written by the refused calls.
        try await store.write(volumeId: id, offset: size - 1, bytes: [9])
        #expect(try await store.read(volumeId: id, offset: size - 2, length: 2) == [0, 9])
    }

    @Test func unknownVolumeIsATypedError() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let id = "vol-0000000000000dead"
        #expect(await throwsCode(.unknownVolume) { _ = try await store.read(volumeId: id, offset: 0, length: 1) })
        #expect(await throwsCode(.unknownVolume) { try await store.write(volumeId: id, offset: 0, bytes: [1]) })
        #expect(await throwsCode(.unknownVolume) { try await store.flush(volumeId: id) })
        #expect(await throwsCode(.unknownVolume) { _ = try await store.freeze([id]) })
        #expect(await throwsCode(.unknownVolume) { try await store.open(VolumeTestEnvironment.volume(0xdead)) })
        #expect(throws: VolumeStoreError.self) { try store.setBase(volumeId: id, root: nil) }
    }

    @Test func invalidRecordsAreRefused() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        var bad = VolumeTestEnvironment.volume(1)
        bad.id = "../escape"
        #expect(await throwsCode(.invalidArgument) { try await store.createVolume(bad) })
        var huge = VolumeTestEnvironment.volume(2)
        huge.sizeGiB = 65_537
        #expect(await throwsCode(.invalidArgument) { try await store.createVolume(huge) })
    }

    @Test func resizeGrowsOnlyAndNewSpaceReadsZeros() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1)
        try await store.createVolume(volume)
        try await store.write(volumeId: volume.id, offset: (1 << 30) - 3, bytes: [1, 2, 3])
        try await store.resize(volumeId: volume.id, newSizeGiB: 2)
        #expect(try store.size(volumeId: volume.id) == 2 << 30)
        try await store.write(volumeId: volume.id, offset: (2 << 30) - 1, bytes: [4])
        let tail = try await store.read(volumeId: volume.id, offset: (1 << 30) - 3, length: 6)
        #expect(tail == [1, 2, 3, 0, 0, 0])
        #expect(await throwsCode(.invalidArgument) { try await store.resize(volumeId: volume.id, newSizeGiB: 1) })
    }

    @Test func deleteDropsStorageAndIsIdempotent() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1)
        try await store.createVolume(volume)
        try await store.write(volumeId: volume.id, offset: 0, bytes: [1])
        #expect(try await store.storedVolumeIds() == [volume.id])
        try await store.deleteVolume(volume.id)
        #expect(await throwsCode(.unknownVolume) { try await store.write(volumeId: volume.id, offset: 0, bytes: [1]) })
        #expect(try await store.storedVolumeIds().isEmpty)
        try await store.deleteVolume(volume.id)
        // Created again, it starts empty.
        try await store.createVolume(volume)
        #expect(try await store.read(volumeId: volume.id, offset: 0, length: 1) == [0])
    }
}

import BlockSnapCore
import Testing

@testable import VolumeStoreLocal

/// A 64 GiB volume: created sparse at once; a freeze with 1% of its blocks changed returns
/// just those, at a cost that follows the changes, not the size.
@Suite struct LargeVolumeTests {
    @Test func a64GiBVolumeIsSparseAndAFreezeReturnsJustTheChangedBlocks() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1, sizeGiB: 64)
        let clock = ContinuousClock()
        let created = try await clock.measure { try await store.createVolume(volume) }
        let blockCount = BlockGeometry.blockCount(volumeSizeGiB: 64)
        #expect(try store.size(volumeId: volume.id) == 64 << 30)
        let data = try POSIXFile.open(env.volumesRoot + "/\(volume.id)/data.0", flags: 0)
        #expect(try data.allocatedBytes() == 0)

        var random = SeededGenerator(seed: 64)
        var changed = Set<Int64>()
        while changed.count < Int(blockCount / 100) { changed.insert(Int64.random(in: 0..<blockCount, using: &random)) }
        let written = try await clock.measure {
            for b in changed {
                try await store.write(
                    volumeId: volume.id, offset: b * blockSize64 + 4096, bytes: stamp(Int(b), count: 4096))
            }
            try await store.flush(volumeId: volume.id)
        }
        // Only the written 4 KiB pieces take space: no block was filled to 512 KiB.
        #expect(try data.allocatedBytes() <= Int64(changed.count) * 16 * 1024)

        var frozen: (any FrozenBlocks)?
        let froze = try await clock.measure { frozen = try await store.freeze([volume.id])[volume.id] }
        let blocks = try #require(frozen)
        #expect(blocks.indexes == changed.sorted())
        let sample = blocks.indexes[blocks.indexes.count / 2]
        let bytes = try await blocks.read(sample)
        #expect(Array(bytes[4096..<8192]) == stamp(Int(sample), count: 4096))
        #expect(bytes[0..<4096].allSatisfy { $0 == 0 })
        await blocks.release(captured: true)
        #expect(try await store.freeze([volume.id])[volume.id]?.indexes == [])
        print(
            "64 GiB volume: create \(created), \(changed.count) changed blocks written+flushed in \(written),"
                + " freeze \(froze)")
    }
}

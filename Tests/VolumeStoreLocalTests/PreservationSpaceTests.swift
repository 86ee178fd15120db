import BlockSnapCore
import BlockSnapTesting
import Foundation
import Testing

@testable import VolumeStoreLocal

/// Copy-before-write slots: lowest-first reuse, trimming, and reuse across real freezes.
@Suite struct PreservationSpaceTests {
    @Test func slotsAreReusedLowestFirstAndTrimmedWhenNoneIsInUse() throws {
        let directory = try TemporaryDirectory(prefix: "blocksnap-preservation")
        defer { directory.remove() }
        let layout = VolumeLayout(directory: directory.path)
        let space = try PreservationSpace(layout: layout, retainedSlots: 2)
        // The side files are unlinked at once: nothing is left in the directory.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)

        let first: [Int] = (0..<6).map { _ in space.allocateLocked() }
        #expect(first == [0, 1, 2, 3, 4, 5])
        space.releaseLocked([4, 1])
        #expect(space.allocateLocked() == 1)
        #expect(space.allocateLocked() == 4)
        #expect(space.allocateLocked() == 6)
        #expect(space.allocatedCount == 7)
        // Slot s is at (s / 4) blocks in file s % 4.
        let (file, offset) = space.location(of: 6)
        #expect(file === space.files[2] && offset == Int64(BlockGeometry.blockSize))

        #expect(space.trimTargetLocked() == nil, "slots are in use")
        for slot in 0..<7 {
            let (file, offset) = space.location(of: slot)
            try file.write([UInt8](repeating: UInt8(slot + 1), count: 4096), range: 0..<4096, at: offset)
        }
        space.releaseLocked(Array(0..<7))
        let keep = try #require(space.trimTargetLocked())
        #expect(keep == 2)
        try space.truncate(toSlots: keep)
        let lengths = try space.files.map { try $0.length() }
        #expect(lengths == [Int64(BlockGeometry.blockSize), Int64(BlockGeometry.blockSize), 0, 0])
        // The retained slots keep their pages and are handed out first again.
        #expect(try space.files[1].read(count: 4, at: 0) == [2, 2, 2, 2])
        let again: [Int] = (0..<3).map { _ in space.allocateLocked() }
        #expect(again == [0, 1, 2])
        #expect(space.trimTargetLocked() == nil)
    }

    @Test func successiveFreezesReuseTheSameSlotsAndReadExactly() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore(.init(retainedPreservationBytes: 8 * Int64(BlockGeometry.blockSize)))
        let volume = VolumeTestEnvironment.volume(1)
        try await store.createVolume(volume)
        let id = volume.id
        let blocks = Int64(12)
        for b in Int64(0)..<blocks {
            try await store.write(volumeId: id, offset: b * blockSize64, bytes: pattern(tag: 1, block: b))
        }
        let file = try store.registry.volume(id)
        var slotCounts: [Int] = []
        for round in 2...4 {
            let frozen = try #require(try await store.freeze([id])[id])
            // Every block is overwritten before the capturer reads it: each needs a whole slot.
            for b in Int64(0)..<blocks {
                try await store.write(
                    volumeId: id, offset: b * blockSize64, bytes: pattern(tag: UInt16(round), block: b))
            }
            for b in Int64(0)..<blocks {
                #expect(try await frozen.read(b) == pattern(tag: UInt16(round - 1), block: b), "round \(round) block \(b)")
            }
            slotCounts.append(file.lock.withLock { file.state.preservation?.slotCountLocked ?? -1 })
            await frozen.release(captured: true)
        }
        // The first freeze grew the space to one slot per block; the next ones, after a trim
        // to the 8 retained slots, reused those and grew it again by the rest only.
        #expect(slotCounts == [12, 12, 12])
        let sizes = try file.lock.withLock { try #require(file.state.preservation) }.files.map { try $0.length() }
        #expect(sizes.reduce(0, +) == 12 * Int64(BlockGeometry.blockSize))
        // The next freeze trims the idle space to what is retained.
        let next = try #require(try await store.freeze([id])[id])
        let trimmed = try file.lock.withLock { try #require(file.state.preservation) }.files.map { try $0.length() }
        #expect(trimmed.reduce(0, +) == 8 * Int64(BlockGeometry.blockSize))
        for b in Int64(0)..<blocks { #expect(try await next.read(b) == pattern(tag: 4, block: b)) }
        await next.release(captured: true)
    }
}

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

    @Test func writtenPagesAreRememberedUntilTheirSlotIsTrimmedAway() throws {
        let directory = try TemporaryDirectory(prefix: "blocksnap-preservation")
        defer { directory.remove() }
        let space = try PreservationSpace(layout: VolumeLayout(directory: directory.path), retainedSlots: 1)
        let slots: [Int] = (0..<3).map { _ in space.allocateLocked() }
        for slot in slots { #expect(!space.isWrittenLocked(slot, pages: 0..<1), "a new slot has no written pages") }
        space.markWrittenLocked(0, pages: 0..<128)
        space.markWrittenLocked(1, pages: 8..<16)
        #expect(space.isWrittenLocked(0, pages: 0..<128))
        #expect(space.isWrittenLocked(1, pages: 8..<16) && space.isWrittenLocked(1, pages: 10..<11))
        #expect(!space.isWrittenLocked(1, pages: 7..<9), "one page of the run was never written")
        #expect(!space.isWrittenLocked(2, pages: 8..<16))

        // Released and handed out again, a slot keeps its written pages.
        space.releaseLocked(slots)
        #expect(space.allocateLocked() == 0 && space.isWrittenLocked(0, pages: 0..<128))
        space.releaseLocked([0])
        // A trim to one slot keeps slot 0's pages; slots past it come back new.
        #expect(space.trimTargetLocked() == 1)
        try space.truncate(toSlots: 1)
        #expect(space.allocateLocked() == 0 && space.isWrittenLocked(0, pages: 0..<128))
        #expect(space.allocateLocked() == 1 && !space.isWrittenLocked(1, pages: 8..<16))
    }

    @Test func theBufferPoolLendsAtMostItsCapacityAndReusesBuffers() throws {
        let pool = CopyBufferPool(capacity: 2)
        var seen: Set<UnsafeMutableRawPointer> = []
        let nested: Int?? = pool.withBuffer { outer in
            seen.insert(outer.baseAddress!)
            #expect(outer.count == BlockGeometry.blockSize)
            #expect(Int(bitPattern: outer.baseAddress!) % 4096 == 0)
            return pool.withBuffer { inner in
                seen.insert(inner.baseAddress!)
                #expect(pool.withBuffer { _ in 3 } == nil, "both buffers are lent out")
                return 2
            }
        }
        #expect(nested == .some(.some(2)))
        #expect(seen.count == 2)
        for _ in 0..<3 { _ = pool.withBuffer { seen.insert($0.baseAddress!) } }
        #expect(seen.count == 2, "a returned buffer is lent again")
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

    @Test func copiesOverPartlyWrittenSlotsKeepTheFrozenBytes() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore(.init())
        let volume = VolumeTestEnvironment.volume(1)
        try await store.createVolume(volume)
        let id = volume.id
        let blocks = Int64(4)
        var model = [UInt8](repeating: 0, count: Int(blocks) * BlockGeometry.blockSize)
        func write(_ offset: Int, _ count: Int, tag: UInt8) async throws {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(tag) &* 7) ^ tag }
            try await store.write(volumeId: id, offset: Int64(offset), bytes: bytes)
            model.replaceSubrange(offset..<offset + count, with: bytes)
        }
        try await write(0, model.count, tag: 1)
        let page = PreservedPages.pageSize
        // Each round writes a different mix of pages, so copies cover pages written in an
        // earlier round (through a buffer), pages never written (in the kernel) and runs of both.
        let block = BlockGeometry.blockSize
        // A freeze holds the blocks written since the last one, and slots are handed out lowest
        // first: block 0 always gets slot 0, block 1 slot 1. Runs over slot pages written in an
        // earlier round go through a buffer, the others through the kernel.
        let rounds: [[(Int, Int)]] = [
            // all four blocks frozen; every copy into new pages
            [(0, page), (3 * page, 2 * page), (block + 64 * page, 4 * page)],
            // blocks 0, 1: pages 0, 3 and 64–67 again (buffer), 60–61 new (kernel)
            [(0, page), (3 * page, page), (block + 64 * page, 4 * page), (block + 60 * page, 2 * page)],
            // blocks 0, 1: runs over written and new pages (kernel); block 2 is not frozen
            [(0, block), (block + 60 * page, 16 * page), (2 * block, block)],
            // blocks 0–2: slot 0 wholly written (buffer), slot 1 partly (kernel), slot 2 new
            [(0, 3 * block), (3 * block + 5, 100)],
        ]
        for (round, writes) in rounds.enumerated() {
            let before = model
            let frozen = try #require(try await store.freeze([id])[id])
            for (offset, count) in writes { try await write(offset, count, tag: UInt8(round + 2)) }
            for b in frozen.indexes.map(Int.init) {
                let expected = Array(before[b * block..<(b + 1) * block])
                #expect(try await frozen.read(Int64(b)) == expected, "round \(round) block \(b)")
            }
            await frozen.release(captured: true)
            #expect(try await store.read(volumeId: id, offset: 0, length: model.count) == model)
        }
    }
}

import BlockSnapCore
import Testing

@testable import VolumeStoreLocal

/// Point in time: freeze, copy-before-write, overlapping freezes, release.
@Suite struct FreezeTests {
    /// The content block `b` ends with after the concurrent phase: pattern B with one 4 KiB stamp.
    private static func finalB(_ b: Int64) -> [UInt8] {
        var bytes = pattern(tag: 2, block: b)
        let at = 4096 * Int(b % 100)
        bytes.replaceSubrange(at..<at + 4096, with: stamp(Int(b), count: 4096))
        return bytes
    }

    @Test func frozenReadsGiveTheContentAtTheFreezeWhileWritesContinue() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1)
        try await store.createVolume(volume)
        let id = volume.id
        // Pattern A: blocks 0..<48 whole, block 48 partly.
        for b in Int64(0)..<48 {
            try await store.write(volumeId: id, offset: b * blockSize64, bytes: pattern(tag: 1, block: b))
        }
        try await store.write(volumeId: id, offset: 48 * blockSize64 + 1000, bytes: stamp(48, count: 5000))
        var a48 = [UInt8](repeating: 0, count: blockSize)
        a48.replaceSubrange(1000..<6000, with: stamp(48, count: 5000))
        let expectedA = { (b: Int64) in b == 48 ? a48 : pattern(tag: 1, block: b) }

        let first = try #require(try await store.freeze([id])[id])
        #expect(first.indexes == Array(0...48))

        // Pattern B over blocks 0..<24 from 8 tasks, while a capturer reads the freeze.
        let captured = try await withThrowingTaskGroup(of: [Int64: [UInt8]].self) { group in
            for task in Int64(0)..<8 {
                group.addTask {
                    for _ in 0..<2 {
                        for b in stride(from: task, to: 24, by: 8) {
                            try await store.write(
                                volumeId: id, offset: b * blockSize64, bytes: pattern(tag: 2, block: b))
                            let at = b * blockSize64 + 4096 * (b % 100)
                            try await store.write(volumeId: id, offset: at, bytes: stamp(Int(b), count: 4096))
                        }
                    }
                    return [:]
                }
            }
            group.addTask {
                var out: [Int64: [UInt8]] = [:]
                var order = first.indexes
                var random = SeededGenerator(seed: 7)
                order.shuffle(using: &random)
                for b in order { out[b] = try await first.read(b) }
                return out
            }
            var all: [Int64: [UInt8]] = [:]
            for try await part in group { all.merge(part) { $1 } }
            return all
        }
        for b in Int64(0)...48 { #expect(captured[b] == expectedA(b), "frozen block \(b)") }
        for b in Int64(0)...48 {
            let live = try await store.read(volumeId: id, offset: b * blockSize64, length: blockSize)
            #expect(live == (b < 24 ? Self.finalB(b) : expectedA(b)), "live block \(b)")
        }

        await first.release(captured: true)
        let second = try #require(try await store.freeze([id])[id])
        #expect(second.indexes == Array(0..<24))
        for b in Int64(0)..<24 { #expect(try await second.read(b) == Self.finalB(b)) }
        await second.release(captured: true)
    }

    @Test func releaseDecidesWhetherBlocksCountAsChangedAgain() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1)
        try await store.createVolume(volume)
        let id = volume.id
        for b in Int64(0)..<3 { try await store.write(volumeId: id, offset: b * blockSize64, bytes: [1]) }
        let first = try #require(try await store.freeze([id])[id])
        #expect(first.indexes == [0, 1, 2])
        await first.release(captured: false)
        try await store.write(volumeId: id, offset: 5 * blockSize64, bytes: [1])
        let second = try #require(try await store.freeze([id])[id])
        #expect(second.indexes == [0, 1, 2, 5])
        await second.release(captured: true)
        await second.release(captured: false)  // a second release changes nothing
        #expect(try await store.freeze([id])[id]?.indexes == [])
        try await store.write(volumeId: id, offset: blockSize64 + 9, bytes: [1])
        #expect(try await store.freeze([id])[id]?.indexes == [1])
    }

    @Test func aFreezeDroppedWithoutReleaseCountsAsUncaptured() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1)
        try await store.createVolume(volume)
        try await store.write(volumeId: volume.id, offset: 0, bytes: [1])
        #expect(try await store.freeze([volume.id])[volume.id]?.indexes == [0])
        #expect(try await store.freeze([volume.id])[volume.id]?.indexes == [0])
    }

    /// A second freeze before the first is released holds the first one's blocks too (as of its
    /// own instant), so it stays whole if the first snapshot fails.
    @Test func overlappingFreezesEachKeepTheirInstant() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1)
        try await store.createVolume(volume)
        let id = volume.id
        for b in Int64(0)..<4 {
            try await store.write(volumeId: id, offset: b * blockSize64, bytes: pattern(tag: 1, block: b))
        }
        let first = try #require(try await store.freeze([id])[id])
        for b in Int64(2)..<6 {
            try await store.write(volumeId: id, offset: b * blockSize64, bytes: pattern(tag: 2, block: b))
        }
        let second = try #require(try await store.freeze([id])[id])
        for b in Int64(0)..<6 {
            try await store.write(volumeId: id, offset: b * blockSize64, bytes: pattern(tag: 3, block: b))
        }
        #expect(first.indexes == [0, 1, 2, 3])
        #expect(second.indexes == [0, 1, 2, 3, 4, 5])
        for b in Int64(0)..<4 { #expect(try await first.read(b) == pattern(tag: 1, block: b)) }
        for b in Int64(0)..<6 { #expect(try await second.read(b) == pattern(tag: b < 2 ? 1 : 2, block: b)) }
        for b in Int64(0)..<6 {
            #expect(
                try await store.read(volumeId: id, offset: b * blockSize64, length: blockSize)
                    == pattern(tag: 3, block: b))
        }
        await first.release(captured: false)  // the first snapshot failed
        await second.release(captured: true)
        #expect(try await store.freeze([id])[id]?.indexes == [0, 1, 2, 3, 4, 5])
    }

    /// Copy-before-write saves only the 4 KiB pages a write overwrites; a frozen read puts them
    /// back over the live block, for every pending freeze, however the writes fall on pages.
    /// Also with the small writes done by `writeNow`, on the calling thread.
    @Test(arguments: [false, true])
    func partialWritesSaveOnlyTheirPagesAndFrozenReadsStayExact(onTheCallingThread: Bool) async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1)
        try await store.createVolume(volume)
        let id = volume.id
        for b in Int64(0)..<4 {
            try await store.write(volumeId: id, offset: b * blockSize64, bytes: pattern(tag: 1, block: b))
        }
        let first = try #require(try await store.freeze([id])[id])
        var live = (0..<4).map { pattern(tag: 1, block: Int64($0)) }
        func write(_ b: Int, at within: Int, _ bytes: [UInt8]) async throws {
            let offset = Int64(b) * blockSize64 + Int64(within)
            if onTheCallingThread, bytes.count <= LocalVolumeStore.Configuration().inlineTransferLimit {
                #expect(try store.writeNow(volumeId: id, offset: offset, bytes: bytes))
            } else {
                try await store.write(volumeId: id, offset: offset, bytes: bytes)
            }
            live[b].replaceSubrange(within..<within + bytes.count, with: bytes)
        }
        // Aligned pages, an unaligned write across a page boundary, the last page, a repeat.
        try await write(0, at: 0, stamp(10, count: 4096))
        try await write(0, at: 8192 + 100, stamp(11, count: 5000))
        try await write(0, at: blockSize - 4096, stamp(12, count: 4096))
        try await write(0, at: 0, stamp(13, count: 4096))
        // A write as large as the calling thread takes (nbdcopy's 256 KiB): 50 pages saved.
        try await write(3, at: 4096 * 3, stamp(18, count: 200 * 1024))
        // Page-saved, then overwritten whole (the rest of its pages saved then).
        try await write(1, at: 4096 * 7, stamp(14, count: 10))
        try await write(1, at: 0, pattern(tag: 2, block: 1))
        // A second freeze while the first is pending, then writes both must respect.
        let second = try #require(try await store.freeze([id])[id])
        let atSecond = live
        try await write(0, at: 8192, stamp(15, count: 4096))
        try await write(2, at: 3, stamp(16, count: 3))
        try await store.writeZeroes(volumeId: id, offset: 3 * blockSize64 + 4096, length: 100)
        live[3].replaceSubrange(4096..<4196, with: repeatElement(0, count: 100))

        for b in Int64(0)..<4 { #expect(try await first.read(b) == pattern(tag: 1, block: b), "first, block \(b)") }
        for b in Int64(0)..<4 { #expect(try await second.read(b) == atSecond[Int(b)], "second, block \(b)") }
        for b in 0..<4 {
            #expect(try await store.read(volumeId: id, offset: Int64(b) * blockSize64, length: blockSize) == live[b])
        }
        // A block read by the capturer and then written is not partly served from old pages.
        try await write(2, at: 4096 * 20, stamp(17, count: 4096))
        #expect(await throwsCode(.frozenBlockUnavailable) { _ = try await second.read(2) })
        await first.release(captured: true)
        await second.release(captured: true)
    }

    @Test func writesOnTheCallingThreadDeclineWhatNeedsWaitingOrMore() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore(.init(inlineTransferLimit: 8192))
        let volume = VolumeTestEnvironment.volume(1)
        try await store.createVolume(volume)
        let id = volume.id
        try await store.write(volumeId: id, offset: 0, bytes: pattern(tag: 1, block: 0))
        let small = stamp(1, count: 4096)
        #expect(try !store.writeNow(volumeId: id, offset: blockSize64, bytes: small), "block 1 is not local")
        #expect(try !store.writeNow(volumeId: id, offset: blockSize64 - 100, bytes: small), "two blocks")
        #expect(try !store.writeNow(volumeId: id, offset: 0, bytes: stamp(2, count: 8193)), "over the limit")
        let file = try store.registry.volume(id)
        file.raiseBarrier()
        #expect(try !store.writeNow(volumeId: id, offset: 0, bytes: small), "a freeze holds the barrier")
        file.lowerBarrier()
        await file.acquireBlock(0)
        #expect(try !store.writeNow(volumeId: id, offset: 0, bytes: small), "another task holds the block")
        file.releaseBlock(0)
        #expect(try await store.read(volumeId: id, offset: 0, length: blockSize) == pattern(tag: 1, block: 0))
        #expect(try store.writeNow(volumeId: id, offset: 4096, bytes: small))
        var expected = pattern(tag: 1, block: 0)
        expected.replaceSubrange(4096..<8192, with: small)
        #expect(try await store.read(volumeId: id, offset: 0, length: blockSize) == expected)
        #expect(throws: VolumeStoreError.self) { try store.writeNow(volumeId: id, offset: 1 << 40, bytes: small) }
    }

    @Test func aFreezeWithOnlyAPendingFreezesBlocksIsNotEmpty() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1)
        try await store.createVolume(volume)
        try await store.write(volumeId: volume.id, offset: 0, bytes: pattern(tag: 1, block: 0))
        let first = try #require(try await store.freeze([volume.id])[volume.id])
        let second = try #require(try await store.freeze([volume.id])[volume.id])
        #expect(second.indexes == [0])
        await first.release(captured: true)
        #expect(try await second.read(0) == pattern(tag: 1, block: 0))
        await second.release(captured: true)
        #expect(try await store.freeze([volume.id])[volume.id]?.indexes == [])
    }

    @Test func aBlockOverwrittenAfterItWasReadCannotBeReadAgain() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1)
        try await store.createVolume(volume)
        let id = volume.id
        for b in Int64(0)..<2 {
            try await store.write(volumeId: id, offset: b * blockSize64, bytes: pattern(tag: 1, block: b))
        }
        let frozen = try #require(try await store.freeze([id])[id])
        #expect(try await frozen.read(0) == pattern(tag: 1, block: 0))
        #expect(try await frozen.read(0) == pattern(tag: 1, block: 0))
        for b in Int64(0)..<2 {
            try await store.write(volumeId: id, offset: b * blockSize64, bytes: pattern(tag: 2, block: b))
        }
        #expect(await throwsCode(.frozenBlockUnavailable) { _ = try await frozen.read(0) })
        #expect(try await frozen.read(1) == pattern(tag: 1, block: 1))
        #expect(try await frozen.read(1) == pattern(tag: 1, block: 1))
        #expect(await throwsCode(.frozenBlockUnavailable) { _ = try await frozen.read(7) })
        await frozen.release(captured: true)
        #expect(await throwsCode(.frozenBlockUnavailable) { _ = try await frozen.read(1) })
    }

    @Test func severalVolumesWithDuplicatesAndUnchangedOnes() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let a = VolumeTestEnvironment.volume(1)
        let b = VolumeTestEnvironment.volume(2)
        try await store.createVolume(a)
        try await store.createVolume(b)
        try await store.write(volumeId: a.id, offset: 3 * blockSize64, bytes: [1])
        let frozen = try await store.freeze([a.id, b.id, a.id])
        #expect(frozen.count == 2)
        #expect(frozen[a.id]?.indexes == [3])
        #expect(frozen[b.id]?.indexes == [])
        #expect(try await store.freeze([]).isEmpty)
        #expect(await throwsCode(.unknownVolume) { _ = try await store.freeze([a.id, "vol-00000000000000bad"]) })
        // The failed freeze touched nothing: a's block is still in the first freeze only.
        await frozen[a.id]?.release(captured: true)
        #expect(try await store.freeze([a.id])[a.id]?.indexes == [])
    }

    /// A store with one fresh volume, and that volume's file.
    private static func oneVolume(_ env: VolumeTestEnvironment) async throws
        -> (store: LocalVolumeStore, volume: VolumeRecord, file: VolumeFile)
    {
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1)
        try await store.createVolume(volume)
        return (store, volume, try store.registry.volume(volume.id))
    }

    @Test func aVolumeWithNothingToFreezeGetsNoCopyBeforeWriteSpace() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let (store, volume, file) = try await Self.oneVolume(env)
        func hasSpace() -> Bool { file.lock.withLock { file.state.preservation != nil } }

        // Never written: no freeze, and no side files made for one.
        #expect(try await store.freeze([volume.id])[volume.id]?.indexes == [])
        #expect(!hasSpace())

        // Written: the freeze gets its space, kept for the next ones.
        try await store.write(volumeId: volume.id, offset: 2 * blockSize64, bytes: [7])
        let frozen = try #require(try await store.freeze([volume.id])[volume.id])
        #expect(frozen.indexes == [2] && hasSpace())
        await frozen.release(captured: true)
        #expect(try await store.freeze([volume.id])[volume.id]?.indexes == [])
        #expect(hasSpace())
    }

    @Test func aVolumeWrittenJustBeforeItsBarrierGetsItsSpaceUnderTheBarrier() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let (store, volume, file) = try await Self.oneVolume(env)
        // What `freeze` sees when a first write lands between its look and the barrier: changed
        // blocks, no space prepared.
        #expect(try await file.preparePreservationSpace(retainedSlots: 0) == nil)
        try await store.write(volumeId: volume.id, offset: 5 * blockSize64, bytes: [9])
        guard case .needsSpace = try file.swapChanged(space: nil) else {
            Issue.record("a changed volume without a space must ask for one")
            return
        }
        let space = try await file.preparePreservationSpace(retainedSlots: 0, evenIfUnchanged: true)
        guard case .frozen(let freeze) = try file.swapChanged(space: space) else {
            Issue.record("with its space, the volume freezes")
            return
        }
        #expect(freeze.frozen.indexes() == [5])
        // Copy-before-write works in that space: the frozen block reads as it was.
        try await store.write(volumeId: volume.id, offset: 5 * blockSize64, bytes: [10])
        #expect(try await file.readFrozen(freeze, index: 5).first == 9)
        file.release(freeze, captured: true)
    }

    @Test func freezeOfADeletedVolumeFailsItsReads() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1)
        try await store.createVolume(volume)
        try await store.write(volumeId: volume.id, offset: 0, bytes: [1])
        let frozen = try #require(try await store.freeze([volume.id])[volume.id])
        try await store.deleteVolume(volume.id)
        #expect(await throwsCode(.unknownVolume) { _ = try await frozen.read(0) })
        await frozen.release(captured: false)
    }
}

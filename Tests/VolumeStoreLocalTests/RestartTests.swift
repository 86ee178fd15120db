import BlockSnapCore
import Foundation
import Testing

@testable import VolumeStoreLocal

/// Reopening volumes after a clean close and after a crash (a store dropped without closing:
/// no clean marker, only what flushes made durable in the metadata).
@Suite struct RestartTests {
    @Test func cleanCloseKeepsDataAndTheExactChangedSet() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let volume = VolumeTestEnvironment.volume(1)
        do {
            let store = env.makeStore()
            try await store.createVolume(volume)
            for b in Int64(0)..<2 {
                try await store.write(volumeId: volume.id, offset: b * blockSize64, bytes: pattern(tag: 1, block: b))
            }
            await (try await store.freeze([volume.id]))[volume.id]?.release(captured: true)
            try await store.write(volumeId: volume.id, offset: 2 * blockSize64, bytes: pattern(tag: 1, block: 2))
            try await store.write(volumeId: volume.id, offset: 5 * blockSize64 + 3, bytes: [1, 2, 3])
            try await store.close(volumeId: volume.id)
            #expect(await throwsCode(.unknownVolume) { try await store.flush(volumeId: volume.id) })
        }
        let store = env.makeStore()
        #expect(try await store.storedVolumeIds() == [volume.id])
        try await store.open(volume)
        try await store.open(volume)  // opening an open volume does nothing
        for b in Int64(0)..<3 {
            #expect(
                try await store.read(volumeId: volume.id, offset: b * blockSize64, length: blockSize)
                    == pattern(tag: 1, block: b))
        }
        #expect(try await store.read(volumeId: volume.id, offset: 5 * blockSize64, length: 6) == [0, 0, 0, 1, 2, 3])
        #expect(try await store.freeze([volume.id])[volume.id]?.indexes == [2, 5])
    }

    @Test func uncleanReopenCountsEveryLocalBlockAsChanged() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let volume = VolumeTestEnvironment.volume(1)
        do {
            let store = env.makeStore()
            try await store.createVolume(volume)
            for b in Int64(0)..<3 {
                try await store.write(volumeId: volume.id, offset: b * blockSize64, bytes: pattern(tag: 1, block: b))
            }
            await (try await store.freeze([volume.id]))[volume.id]?.release(captured: true)
            try await store.flush(volumeId: volume.id)
            try await store.write(
                volumeId: volume.id, offset: 7 * blockSize64, bytes: pattern(tag: 1, block: 7), fua: true)
            // Crash: the store goes away without closing.
        }
        let store = env.makeStore()
        try await store.open(volume)
        for b: Int64 in [0, 1, 2, 7] {
            #expect(
                try await store.read(volumeId: volume.id, offset: b * blockSize64, length: blockSize)
                    == pattern(tag: 1, block: b))
        }
        let frozen = try #require(try await store.freeze([volume.id])[volume.id])
        #expect(frozen.indexes == [0, 1, 2, 7])
        await frozen.release(captured: true)
        try await store.close(volumeId: volume.id)
        // After a clean close the (now empty) changed set is trusted again.
        let again = env.makeStore()
        try await again.open(volume)
        #expect(try await again.freeze([volume.id])[volume.id]?.indexes == [])
    }

    @Test func blocksOfAPendingFreezeCountAsChangedAfterRestart() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let volume = VolumeTestEnvironment.volume(1)
        let store = env.makeStore()
        try await store.createVolume(volume)
        try await store.write(volumeId: volume.id, offset: 0, bytes: [1])
        let pending = try #require(try await store.freeze([volume.id])[volume.id])
        try await store.write(volumeId: volume.id, offset: 3 * blockSize64, bytes: [1])
        try await store.close(volumeId: volume.id)
        let restarted = env.makeStore()
        try await restarted.open(volume)
        #expect(try await restarted.freeze([volume.id])[volume.id]?.indexes == [0, 3])
        await pending.release(captured: true)  // the old process's freeze: harmless
    }

    /// A torn last journal batch (a flush that never returned) is ignored; the blocks it named
    /// are not local, so they read from the base — never stale data-file bytes.
    @Test func aTornJournalBatchIsIgnored() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let volume = VolumeTestEnvironment.volume(1)
        do {
            let store = env.makeStore()
            try await store.createVolume(volume)
            try await store.write(volumeId: volume.id, offset: 0, bytes: pattern(tag: 1, block: 0), fua: true)
            try await store.write(volumeId: volume.id, offset: blockSize64, bytes: pattern(tag: 1, block: 1), fua: true)
        }
        let journal = try POSIXFile.open(env.volumesRoot + "/\(volume.id)/journal", flags: 2)
        try journal.truncate(to: try journal.length() - 3)
        let store = env.makeStore()
        try await store.open(volume)
        #expect(try await store.read(volumeId: volume.id, offset: 0, length: blockSize) == pattern(tag: 1, block: 0))
        #expect(
            try await store.read(volumeId: volume.id, offset: blockSize64, length: blockSize).allSatisfy { $0 == 0 })
        #expect(try await store.freeze([volume.id])[volume.id]?.indexes == [0])
    }

    /// With a tiny journal limit every flush folds the journal into a checkpoint.
    @Test func checkpointsKeepTheStateAcrossRestarts() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let volume = VolumeTestEnvironment.volume(1)
        let configuration = LocalVolumeStore.Configuration(journalCheckpointBytes: 0)
        do {
            let store = env.makeStore(configuration)
            try await store.createVolume(volume)
            for b in Int64(0)..<300 {
                try await store.write(
                    volumeId: volume.id, offset: b * blockSize64 + 17, bytes: stamp(Int(b), count: 100))
                if b % 10 == 9 { try await store.flush(volumeId: volume.id) }
                if b == 99 { await (try await store.freeze([volume.id]))[volume.id]?.release(captured: true) }
            }
            try await store.close(volumeId: volume.id)
        }
        let store = env.makeStore(configuration)
        try await store.open(volume)
        #expect(try await store.freeze([volume.id])[volume.id]?.indexes == Array(100..<300))
        for b in Int64(0)..<300 where b % 37 == 0 {
            #expect(
                try await store.read(volumeId: volume.id, offset: b * blockSize64 + 17, length: 100)
                    == stamp(Int(b), count: 100))
        }
    }

    @Test func sizeSurvivesRestartAndALargerRecordGrowsTheVolume() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        var volume = VolumeTestEnvironment.volume(1)
        do {
            let store = env.makeStore()
            try await store.createVolume(volume)
            try await store.resize(volumeId: volume.id, newSizeGiB: 2)
            try await store.write(volumeId: volume.id, offset: (2 << 30) - 1, bytes: [9], fua: true)
        }
        do {
            let store = env.makeStore()
            try await store.open(volume)  // the record still says 1 GiB: the local size wins
            #expect(try store.size(volumeId: volume.id) == 2 << 30)
            #expect(try await store.read(volumeId: volume.id, offset: (2 << 30) - 1, length: 1) == [9])
            try await store.close(volumeId: volume.id)
        }
        volume.sizeGiB = 3
        let store = env.makeStore()
        try await store.open(volume)
        #expect(try store.size(volumeId: volume.id) == 3 << 30)
        #expect(try await store.read(volumeId: volume.id, offset: (3 << 30) - 1, length: 1) == [0])
    }
}

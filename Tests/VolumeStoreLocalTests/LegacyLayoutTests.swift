import BlockSnapCore
import Foundation
import Testing

@testable import VolumeStoreLocal

/// Volumes written by the version 1 code (one `data` file, version 1 checkpoint) open: `data`
/// becomes segment 0, unchanged, of a segment size of at least its own length, recorded in a
/// version 2 checkpoint; they then grow past that file in further segments.
@Suite struct LegacyLayoutTests {
    private static let small = LocalVolumeStore.Configuration(segmentBytes: 4 << 20)

    private static func legacy(clean: Bool) -> LegacyVolume {
        LegacyVolume(
            checkpointed: [0: pattern(tag: 1, block: 0), 100: pattern(tag: 1, block: 100)], changed: [100],
            journalled: [5: pattern(tag: 1, block: 5)], clean: clean)
    }

    @Test func aSingleFileVolumeOpensIsUpgradedAndGrowsPastItsFile() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        var volume = VolumeTestEnvironment.volume(1)
        let id = volume.id
        let layout = VolumeLayout(root: env.volumesRoot, volumeId: id)
        try Self.legacy(clean: true).write(root: env.volumesRoot, id: id, sizeGiB: 1)
        do {
            let store = env.makeStore(Self.small)
            #expect(try await store.storedVolumeIds() == [id])
            try await store.open(volume)
            for index: Int64 in [0, 5, 100] {
                #expect(
                    try await store.read(volumeId: id, offset: index * blockSize64, length: blockSize)
                        == pattern(tag: 1, block: index))
            }
            #expect(try await store.read(volumeId: id, offset: blockSize64, length: blockSize).allSatisfy { $0 == 0 })
            // Renamed, not copied; the segment size is the file's own 1 GiB, not the configured 4 MiB.
            #expect(try dataFileNames(root: env.volumesRoot, id: id) == ["data.0"])
            let state = try DurableBlockState.readCheckpoint(layout)
            #expect(state.segmentBytes == 1 << 30)
            #expect(try POSIXFile.open(layout.statePath, flags: O_RDONLY).read(count: 6, at: 0)[4] == 2)
            let frozen = try #require(try await store.freeze([id])[id])
            #expect(frozen.indexes == [5, 100])
            #expect(try await frozen.read(100) == pattern(tag: 1, block: 100))
            await frozen.release(captured: true)

            // Grown to 3 GiB: a write across the end of the old file, and one at the new end.
            try await store.resize(volumeId: id, newSizeGiB: 3)
            try await store.write(volumeId: id, offset: (1 << 30) - 1000, bytes: stamp(1, count: 3000))
            try await store.write(volumeId: id, offset: (3 << 30) - 10, bytes: stamp(2, count: 10))
            #expect(try await store.read(volumeId: id, offset: (1 << 30) - 1000, length: 3000) == stamp(1, count: 3000))
            #expect(try dataFileNames(root: env.volumesRoot, id: id) == ["data.0", "data.1", "data.2"])
            #expect(try fileLength(layout.segmentPath(2)) == 1 << 30)
            try await store.close(volumeId: id)
        }
        volume.sizeGiB = 3
        let store = env.makeStore()  // another configured size: the recorded 1 GiB stays
        try await store.open(volume)
        #expect(try store.size(volumeId: id) == 3 << 30)
        #expect(try await store.read(volumeId: id, offset: 0, length: blockSize) == pattern(tag: 1, block: 0))
        #expect(try await store.read(volumeId: id, offset: (1 << 30) - 1000, length: 3000) == stamp(1, count: 3000))
        #expect(try await store.read(volumeId: id, offset: (3 << 30) - 10, length: 10) == stamp(2, count: 10))
        #expect(try await store.freeze([id])[id]?.indexes == [2047, 2048, 6143])
        #expect(try DurableBlockState.readCheckpoint(layout).segmentBytes == 1 << 30)
    }

    /// Not closed cleanly, and interrupted after `data` was renamed but before the version 2
    /// checkpoint: the upgrade finishes and every local block counts as changed.
    @Test func anInterruptedUpgradeOfAnUncleanVolumeFinishes() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let volume = VolumeTestEnvironment.volume(1, sizeGiB: 2)
        let id = volume.id
        let layout = VolumeLayout(root: env.volumesRoot, volumeId: id)
        try Self.legacy(clean: false).write(root: env.volumesRoot, id: id, sizeGiB: 2)
        try DirectoryOperations.renameDurably(layout.legacyDataPath, to: layout.segmentPath(0))
        let store = env.makeStore(Self.small)
        try await store.open(volume)
        for index: Int64 in [0, 5, 100] {
            #expect(
                try await store.read(volumeId: id, offset: index * blockSize64, length: blockSize)
                    == pattern(tag: 1, block: index))
        }
        #expect(try DurableBlockState.readCheckpoint(layout).segmentBytes == 2 << 30)
        #expect(try await store.freeze([id])[id]?.indexes == [0, 5, 100])
    }

    @Test func aSingleFileVolumeWithBothDataFilesIsRefused() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let volume = VolumeTestEnvironment.volume(1)
        let layout = VolumeLayout(root: env.volumesRoot, volumeId: volume.id)
        try Self.legacy(clean: true).write(root: env.volumesRoot, id: volume.id, sizeGiB: 1)
        _ = try POSIXFile.open(layout.segmentPath(0), flags: O_RDWR | O_CREAT)
        let store = env.makeStore(Self.small)
        #expect(await throwsCode(.corruptMetadata) { try await store.open(volume) })
        #expect(FileManager.default.fileExists(atPath: layout.legacyDataPath))
    }
}

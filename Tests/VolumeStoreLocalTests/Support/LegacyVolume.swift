import Foundation

@testable import VolumeStoreLocal

/// A volume as the version 1 code left it on disk: one `data` file of the volume's size, a
/// version 1 checkpoint (no segment size), a journal, and optionally the clean marker.
struct LegacyVolume {
    /// Blocks in `data` and in the checkpoint's local set.
    var checkpointed: [Int64: [UInt8]] = [:]
    /// Of those, the ones the checkpoint counts as changed.
    var changed: Set<Int64> = []
    /// Blocks in `data` made local (and changed) by a journal record after the checkpoint.
    var journalled: [Int64: [UInt8]] = [:]
    /// Whether the volume was closed cleanly.
    var clean = true

    /// Writes the volume `id` of `sizeGiB` under `root`.
    func write(root: String, id: String, sizeGiB: Int64) throws {
        let layout = VolumeLayout(root: root, volumeId: id)
        try FileManager.default.createDirectory(atPath: layout.directory, withIntermediateDirectories: true)
        let blockCount = sizeGiB << 30 / blockSize64
        let data = try POSIXFile.open(layout.legacyDataPath, flags: O_RDWR | O_CREAT | O_EXCL)
        try data.truncate(to: sizeGiB << 30)
        for (index, bytes) in checkpointed.merging(journalled, uniquingKeysWith: { $1 }) {
            try data.write(bytes, range: 0..<bytes.count, at: index * blockSize64)
        }
        try data.sync()
        var local = Bitmap()
        var changedSet = Bitmap()
        for index in checkpointed.keys { local.insert(index) }
        for index in changed { changedSet.insert(index) }
        let state = try POSIXFile.open(layout.statePath, flags: O_WRONLY | O_CREAT | O_EXCL)
        let bytes = Self.versionOneCheckpoint(generation: 1, blockCount: blockCount, local: local, changed: changedSet)
        try bytes.withUnsafeBytes { try state.write($0, at: 0) }
        let (journal, replayed) = try ChangeJournal.open(layout, generation: 1)
        precondition(replayed.isEmpty)
        try journal.append(journalled.keys.sorted().map { .written($0) })
        if clean { try DirectoryOperations.createMarker(layout.cleanPath) }
    }

    /// A checkpoint in the version 1 format:
    ///
    ///     "BSVS" | version u16 = 1 | reserved u16 = 0 | generation u64 | blockCount u64
    ///     | wordCount u64 | local | changed | crc32c u32
    static func versionOneCheckpoint(generation: UInt64, blockCount: Int64, local: Bitmap, changed: Bitmap) -> [UInt8]
    {
        let words = Bitmap.wordCount(for: blockCount)
        var out: [UInt8] = Array("BSVS".utf8)
        out.appendLE(UInt16(1))
        out.appendLE(UInt16(0))
        out.appendLE(generation)
        out.appendLE(UInt64(blockCount))
        out.appendLE(UInt64(words))
        out += local.serialized(wordCount: words)
        out += changed.serialized(wordCount: words)
        out.appendLE(CRC32C.checksum(out))
        return out
    }
}

/// The names of the data files (`data`, `data.<n>`) of volume `id` under `root`, segment files in
/// index order after `data`.
func dataFileNames(root: String, id: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: root + "/" + id)
        .filter { $0 == "data" || $0.hasPrefix("data.") }
        .sorted { (VolumeLayout.segmentIndex(fileName: $0) ?? -1) < (VolumeLayout.segmentIndex(fileName: $1) ?? -1) }
}

/// The length of a file.
func fileLength(_ path: String) throws -> Int64 {
    try POSIXFile.open(path, flags: O_RDONLY).length()
}

import BlockSnapCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A volume's bytes, split into segment files of `segmentBytes` each (see docs/volume-store.md):
/// segment `n` is `data.<n>` and holds volume bytes `[n×S, (n+1)×S)`, so no file is larger than
/// `S` (ext4 cannot hold a file of 16 TiB; a volume may have 64 TiB).
///
/// - Segment 0 is created with the volume; any other segment on the first write (or hole punch)
///   into it. A segment file is sized to its extent, `min(S, volumeBytes − n×S)`; bytes of a
///   missing segment, or past the end of a file, read as zeros.
/// - Descriptors stay open for the object's lifetime, never reopened per I/O. Segment 0 (all of
///   a volume up to `S`, 1 TiB by default) is a constant: its I/O costs exactly the `pread` or
///   `pwrite` of the single-file layout, no lock. Other segments cost a dictionary look-up under
///   a short lock, plus one more to mark a write dirty.
/// - `S` is a multiple of the block size, so a block never spans two segments; a longer transfer
///   is split at segment boundaries here.
///
/// Durability: every flush `fdatasync`s segment 0 (as it did the single data file), and every
/// other segment written since the previous flush. A write or hole punch marks its segment dirty
/// only *after* the system call returned, and a flush takes its journal records *before*
/// `takeUnsynced()`; so every segment holding bytes of a write whose record a flush commits is
/// synced by that flush or an earlier one. A segment created since the last sync is `fsync`'d
/// and its directory entry made durable (directory `fsync`) before any record naming its blocks
/// is committed.
///
/// Invariant: `first` and `files` hold every segment file present on disk (found at open or
/// created since).
final class SegmentedDataFile: @unchecked Sendable {
    /// Bytes per segment: a positive multiple of the block size, fixed for the volume's lifetime
    /// (it is recorded in the checkpoint).
    let segmentBytes: Int64
    private let layout: VolumeLayout
    /// Segment 0, which always exists.
    private let first: POSIXFile
    private let lock = NSLock()
    // Guarded by `lock`.
    /// Segments 1 and up that exist.
    private var files: [Int: POSIXFile]
    private var volumeBytes: Int64
    /// Segments (1 and up) written since they were last synced.
    private var dirty: Set<Int> = []
    /// Segments created since the directory was last synced.
    private var created: Set<Int>

    private init(
        layout: VolumeLayout, segmentBytes: Int64, volumeBytes: Int64, first: POSIXFile, files: [Int: POSIXFile],
        created: Set<Int>
    ) {
        self.layout = layout
        self.segmentBytes = segmentBytes
        self.volumeBytes = volumeBytes
        self.first = first
        self.files = files
        self.created = created
    }

    /// Whether `bytes` can be a segment size.
    static func isValidSegmentSize(_ bytes: Int64) -> Bool {
        bytes > 0 && bytes % Int64(BlockGeometry.blockSize) == 0
    }

    /// Bytes of segment `index` in a volume of `volumeBytes`.
    static func extent(of index: Int, segmentBytes: Int64, volumeBytes: Int64) -> Int64 {
        max(0, min(segmentBytes, volumeBytes - Int64(index) * segmentBytes))
    }

    /// Creates segment 0 of a new volume in `layout`, sized and fsync'd (the caller syncs the
    /// directory). Nothing is allocated: the file is sparse.
    static func create(_ layout: VolumeLayout, segmentBytes: Int64, volumeBytes: Int64) throws {
        precondition(isValidSegmentSize(segmentBytes))
        let file = try POSIXFile.open(layout.segmentPath(0), flags: O_RDWR | O_CREAT | O_EXCL)
        try file.truncate(to: extent(of: 0, segmentBytes: segmentBytes, volumeBytes: volumeBytes))
        try file.sync()
    }

    /// Opens every segment file present in `layout`, extending any that is shorter than its
    /// extent (a resize whose new length was not yet durable at a crash). A missing segment 0 is
    /// created (its bytes then read as zeros, like any missing segment's).
    static func open(_ layout: VolumeLayout, segmentBytes: Int64, volumeBytes: Int64) throws -> SegmentedDataFile {
        precondition(isValidSegmentSize(segmentBytes))
        if DirectoryOperations.exists(layout.legacyDataPath) {
            throw VolumeStoreError(
                .corruptMetadata, "\(layout.legacyDataPath): a single data file next to a segmented layout")
        }
        var files: [Int: POSIXFile] = [:]
        for name in try DirectoryOperations.names(in: layout.directory) {
            guard let index = VolumeLayout.segmentIndex(fileName: name) else { continue }
            let file = try POSIXFile.open(layout.segmentPath(index), flags: O_RDWR)
            let extent = extent(of: index, segmentBytes: segmentBytes, volumeBytes: volumeBytes)
            if try file.length() < extent { try file.truncate(to: extent) }
            files[index] = file
        }
        var created: Set<Int> = []
        let first: POSIXFile
        if let existing = files.removeValue(forKey: 0) {
            first = existing
        } else {
            first = try POSIXFile.open(layout.segmentPath(0), flags: O_RDWR | O_CREAT)
            try first.truncate(to: extent(of: 0, segmentBytes: segmentBytes, volumeBytes: volumeBytes))
            created.insert(0)
        }
        return SegmentedDataFile(
            layout: layout, segmentBytes: segmentBytes, volumeBytes: volumeBytes, first: first, files: files,
            created: created)
    }

    /// Upgrades a volume of the version 1 layout (one `data` file holding the whole volume) and
    /// returns its segment size: `data` is renamed to `data.0` durably, unchanged, and becomes
    /// segment 0 of a layout whose segment size is the larger of `configured` and its own length
    /// (rounded up to a block), so nothing is copied and every existing byte keeps its offset.
    /// The caller records the size in a version 2 checkpoint. Idempotent: after a crash between
    /// the rename and that checkpoint, `data.0` is found and measured again (no other segment
    /// can exist yet, so any size at least its length is right).
    static func upgradeLegacy(_ layout: VolumeLayout, configured: Int64) throws -> Int64 {
        precondition(isValidSegmentSize(configured))
        let hasLegacy = DirectoryOperations.exists(layout.legacyDataPath)
        let hasFirst = DirectoryOperations.exists(layout.segmentPath(0))
        guard hasLegacy != hasFirst else {
            throw VolumeStoreError(
                .corruptMetadata,
                "\(layout.directory): a version 1 volume needs exactly one of data and data.0 (found "
                    + (hasLegacy ? "both" : "neither") + ")")
        }
        let path = hasLegacy ? layout.legacyDataPath : layout.segmentPath(0)
        let length = try POSIXFile.open(path, flags: O_RDONLY).length()
        if hasLegacy { try DirectoryOperations.renameDurably(layout.legacyDataPath, to: layout.segmentPath(0)) }
        let block = Int64(BlockGeometry.blockSize)
        return max(configured, (length + block - 1) / block * block)
    }

    // MARK: I/O

    /// Fills `buffer` with the volume bytes at `offset`; missing segments read as zeros.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws {
        try forEachPiece(offset: offset, count: buffer.count) { segment, within, start, count in
            let piece = UnsafeMutableRawBufferPointer(rebasing: buffer[start..<start + count])
            if let file = existingFile(segment) {
                try file.read(into: piece, at: within)
            } else {
                piece.initializeMemory(as: UInt8.self, repeating: 0)
            }
        }
    }

    /// Fills `buffer` like `read(into:at:)` if every byte is in the page cache (or in a missing
    /// segment); false when the disk would have to be read (then use `read(into:at:)`).
    func readIfCached(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Bool {
        var cached = true
        try forEachPiece(offset: offset, count: buffer.count) { segment, within, start, count in
            guard cached else { return }
            let piece = UnsafeMutableRawBufferPointer(rebasing: buffer[start..<start + count])
            if let file = existingFile(segment) {
                cached = file.readIfCached(into: piece, at: within)
            } else {
                piece.initializeMemory(as: UInt8.self, repeating: 0)
            }
        }
        return cached
    }

    /// The `count` volume bytes at `offset`.
    func read(count: Int, at offset: Int64) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
            initialized = count
        }
    }

    /// Copies the `count` volume bytes at `offset` to `target` at `targetOffset` inside the
    /// kernel (`POSIXFile.copy`); missing segments arrive as zeros.
    func copy(count: Int, at offset: Int64, to target: POSIXFile, at targetOffset: Int64) throws {
        try forEachPiece(offset: offset, count: count) { segment, within, start, count in
            if let file = existingFile(segment) {
                try file.copy(count: count, at: within, to: target, at: targetOffset + Int64(start))
            } else {
                try target.write([UInt8](repeating: 0, count: count), range: 0..<count, at: targetOffset + Int64(start))
            }
        }
    }

    /// Writes `bytes` at volume offset `offset`, creating segments as needed.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        try forEachPiece(offset: offset, count: bytes.count) { segment, within, start, count in
            let file = try segmentFile(segment)
            try file.write(UnsafeRawBufferPointer(rebasing: bytes[start..<start + count]), at: within)
            markDirty(segment)
        }
    }

    /// Writes `bytes[range]` at volume offset `offset`.
    func write(_ bytes: [UInt8], range: Range<Int>, at offset: Int64) throws {
        try bytes.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[range]), at: offset) }
    }

    /// Deallocates `[offset, offset+length)` so that it reads as zeros. Returns false where the
    /// filesystem cannot punch holes (then the caller writes zeros).
    func punchHole(at offset: Int64, length: Int64) throws -> Bool {
        var punched = true
        var position = offset
        let end = offset + length
        while position < end {
            let segment = Int(position / segmentBytes)
            let within = position - Int64(segment) * segmentBytes
            let count = min(end - position, segmentBytes - within)
            // A missing segment reads as zeros already; creating it keeps `files` the set of
            // segments on disk simple to reason about and costs one open per segment.
            let file = try segmentFile(segment)
            if try file.punchHole(at: within, length: count) {
                markDirty(segment)
            } else {
                punched = false
            }
            position += count
        }
        return punched
    }

    /// Grows the volume to `bytes`: extends the segment files present whose extent grows. New
    /// segments are created when first written.
    func grow(to bytes: Int64) throws {
        try lock.withLock {
            guard bytes > volumeBytes else { return }
            for (index, file) in files.merging([0: first], uniquingKeysWith: { $1 }) {
                let old = Self.extent(of: index, segmentBytes: segmentBytes, volumeBytes: volumeBytes)
                let new = Self.extent(of: index, segmentBytes: segmentBytes, volumeBytes: bytes)
                if new > old, try file.length() < new {
                    try file.truncate(to: new)
                    if index != 0 { dirty.insert(index) }
                }
            }
            volumeBytes = bytes
        }
    }

    // MARK: Sync

    /// What a flush must make durable: segment 0, the dirty segments, and the directory if a
    /// segment was created since it was last synced.
    struct PendingSync: Sendable {
        /// Segments written since their last sync (`fdatasync`).
        fileprivate(set) var written: [POSIXFile] = []
        /// Segments created since the directory's last sync (`fsync`, then the directory).
        fileprivate(set) var created: [POSIXFile] = []
    }

    /// Segment 0, and the segments written or created since the last `takeUnsynced()`. A flush
    /// calls it after taking its journal records and passes the result to `sync`.
    func takeUnsynced() -> PendingSync {
        lock.withLock {
            var pending = PendingSync()
            if !created.contains(0) { pending.written.append(first) }
            guard !dirty.isEmpty || !created.isEmpty else { return pending }
            for index in created.union(dirty).sorted() {
                guard let file = index == 0 ? first : files[index] else { continue }
                if created.contains(index) { pending.created.append(file) } else { pending.written.append(file) }
            }
            dirty = []
            created = []
            return pending
        }
    }

    /// `fdatasync`s each written segment; `fsync`s each created one, then the directory.
    func sync(_ pending: PendingSync) throws {
        for file in pending.written { try file.dataSync() }
        for file in pending.created { try file.sync() }
        if !pending.created.isEmpty { try DirectoryOperations.syncDirectory(layout.directory) }
    }

    // MARK: Inspection (tests, diagnostics)

    /// The indexes of the segment files present, ascending.
    func segmentIndexes() -> [Int] {
        [0] + lock.withLock { files.keys.sorted() }
    }

    /// Bytes the segment files occupy on disk.
    func allocatedBytes() throws -> Int64 {
        try ([first] + lock.withLock { Array(files.values) }).reduce(0) { $0 + (try $1.allocatedBytes()) }
    }

    // MARK: Private

    /// Calls `body(segment, offset in segment, offset in the transfer, count)` for each piece of
    /// `[offset, offset+count)` that lies in one segment.
    private func forEachPiece(
        offset: Int64, count: Int, _ body: (Int, Int64, Int, Int) throws -> Void
    ) throws {
        var done = 0
        while done < count {
            let position = offset + Int64(done)
            let segment = position / segmentBytes
            let within = position - segment * segmentBytes
            let piece = Int(min(Int64(count - done), segmentBytes - within))
            try body(Int(segment), within, done, piece)
            done += piece
        }
    }

    /// Segment `index`'s file if it exists.
    @inline(__always)
    private func existingFile(_ index: Int) -> POSIXFile? {
        index == 0 ? first : lock.withLock { files[index] }
    }

    /// Segment `index`'s file, created (sized to its extent) if missing. Creation happens once
    /// per segment, under the lock, so two writers never race to create the same one.
    private func segmentFile(_ index: Int) throws -> POSIXFile {
        if index == 0 { return first }
        lock.lock()
        defer { lock.unlock() }
        if let file = files[index] { return file }
        let file = try POSIXFile.open(layout.segmentPath(index), flags: O_RDWR | O_CREAT)
        let extent = Self.extent(of: index, segmentBytes: segmentBytes, volumeBytes: volumeBytes)
        if try file.length() < extent { try file.truncate(to: extent) }
        files[index] = file
        created.insert(index)
        return file
    }

    /// Notes a write to segment `index`, after it returned (segment 0 is synced by every flush).
    @inline(__always)
    private func markDirty(_ index: Int) {
        guard index != 0 else { return }
        lock.withLock { _ = dirty.insert(index) }
    }
}

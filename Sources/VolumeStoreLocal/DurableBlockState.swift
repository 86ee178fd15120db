#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One change to a volume's durable block state.
enum JournalRecord: Sendable, Equatable {
    /// The block was written: it is local and changed.
    case written(Int64)
    /// The block's change was captured by a snapshot: it is no longer changed.
    case cleared(Int64)
    /// The volume grew to this many blocks.
    case resized(Int64)

    /// `kind << 56 | value`: kind 1 written, 2 cleared, 3 resized.
    var encoded: UInt64 {
        switch self {
        case .written(let index): 1 << 56 | UInt64(index)
        case .cleared(let index): 2 << 56 | UInt64(index)
        case .resized(let count): 3 << 56 | UInt64(count)
        }
    }

    /// Decodes a record; nil for an unknown kind.
    init?(encoded: UInt64) {
        let value = Int64(encoded & 0x00FF_FFFF_FFFF_FFFF)
        switch encoded >> 56 {
        case 1: self = .written(value)
        case 2: self = .cleared(value)
        case 3: self = .resized(value)
        default: return nil
        }
    }
}

/// What the metadata files say about a volume's blocks: which are local (their bytes are in the
/// data segments) and which changed since the last captured snapshot, plus the volume's size and
/// segment size.
///
/// Invariant: `changed ⊆ local` — a block becomes changed only by being written, and writing
/// makes it local; nothing makes a block non-local again.
struct DurableBlockState: Sendable, Equatable {
    /// The checkpoint generation this state starts from.
    var generation: UInt64
    /// Blocks in the volume.
    var blockCount: Int64
    /// Bytes per data segment (`SegmentedDataFile`); 0 when read from a version 1 checkpoint,
    /// i.e. the volume still has the single-file layout and must be upgraded before use.
    var segmentBytes: Int64
    /// Blocks present in the data segments.
    var local: Bitmap
    /// Blocks changed since the last captured freeze (including blocks of pending freezes).
    var changed: Bitmap

    /// Applies one journal record; throws for a record that cannot belong to this volume.
    mutating func apply(_ record: JournalRecord) throws {
        switch record {
        case .written(let index):
            guard index < blockCount else { throw Self.corrupt("write to block \(index) of \(blockCount)") }
            local.insert(index)
            changed.insert(index)
        case .cleared(let index):
            changed.remove(index)
        case .resized(let count):
            blockCount = max(blockCount, count)
        }
    }

    /// The checkpoint file `state`, version 2:
    ///
    ///     "BSVS" | version u16 = 2 | reserved u16 = 0 | generation u64 | blockCount u64
    ///     | segmentBytes u64 | wordCount u64 | local (wordCount × u64 LE)
    ///     | changed (wordCount × u64 LE) | crc32c u32
    ///
    /// Version 1 (read only) lacks `segmentBytes`: its volume has one `data` file. The checksum
    /// covers every byte before it.
    func encodeCheckpoint() -> [UInt8] {
        precondition(SegmentedDataFile.isValidSegmentSize(segmentBytes), "checkpoint without a segment size")
        let words = Bitmap.wordCount(for: blockCount)
        var out: [UInt8] = Self.checkpointMagic
        out.reserveCapacity(Self.headerBytes(version: Self.checkpointVersion) + 4 + words * 16)
        out.appendLE(Self.checkpointVersion)
        out.appendLE(UInt16(0))
        out.appendLE(generation)
        out.appendLE(UInt64(blockCount))
        out.appendLE(UInt64(segmentBytes))
        out.appendLE(UInt64(words))
        out += local.serialized(wordCount: words)
        out += changed.serialized(wordCount: words)
        out.appendLE(CRC32C.checksum(out))
        return out
    }

    /// Decodes and checks a checkpoint file's bytes (version 1 or 2).
    static func decodeCheckpoint(_ bytes: [UInt8], path: String) throws -> DurableBlockState {
        guard bytes.count >= 36, Array(bytes[0..<4]) == checkpointMagic else {
            throw corrupt("\(path): not a checkpoint")
        }
        let version = bytes.readLE(UInt16.self, at: 4)
        guard version == 1 || version == checkpointVersion else {
            throw corrupt("\(path): unsupported version \(version)")
        }
        let header = headerBytes(version: version)
        guard bytes.count >= header + 4 else { throw corrupt("\(path): sizes do not match") }
        let generation = bytes.readLE(UInt64.self, at: 8)
        let blockCount = Int64(bitPattern: bytes.readLE(UInt64.self, at: 16))
        let segmentBytes = version == 1 ? 0 : Int64(bitPattern: bytes.readLE(UInt64.self, at: 24))
        let words = bytes.readLE(UInt64.self, at: header - 8)
        guard blockCount >= 0, words == UInt64(Bitmap.wordCount(for: blockCount)),
            bytes.count == header + 4 + Int(words) * 16
        else { throw corrupt("\(path): sizes do not match") }
        let end = bytes.count - 4
        guard bytes.readLE(UInt32.self, at: end) == CRC32C.checksum(bytes, 0..<end) else {
            throw corrupt("\(path): checksum mismatch")
        }
        guard version == 1 || SegmentedDataFile.isValidSegmentSize(segmentBytes) else {
            throw corrupt("\(path): invalid segment size \(segmentBytes)")
        }
        return DurableBlockState(
            generation: generation, blockCount: blockCount, segmentBytes: segmentBytes,
            local: Bitmap.deserialize(bytes, offset: header, wordCount: Int(words)),
            changed: Bitmap.deserialize(bytes, offset: header + Int(words) * 8, wordCount: Int(words)))
    }

    /// Bytes before the local bitmap: 32 in version 1, 40 in version 2.
    private static func headerBytes(version: UInt16) -> Int { version == 1 ? 32 : 40 }

    /// Writes the checkpoint durably: `state.tmp`, fsync, rename over `state`, fsync directory.
    func writeCheckpoint(_ layout: VolumeLayout) throws {
        let bytes = encodeCheckpoint()
        let temp = try POSIXFile.open(layout.stateTempPath, flags: O_WRONLY | O_CREAT | O_TRUNC)
        try bytes.withUnsafeBytes { try temp.write($0, at: 0) }
        try temp.sync()
        try DirectoryOperations.renameDurably(layout.stateTempPath, to: layout.statePath)
    }

    /// Reads and checks the checkpoint of `layout`.
    static func readCheckpoint(_ layout: VolumeLayout) throws -> DurableBlockState {
        let file = try POSIXFile.open(layout.statePath, flags: O_RDONLY)
        let bytes = try file.read(count: Int(try file.length()), at: 0)
        return try decodeCheckpoint(bytes, path: layout.statePath)
    }

    static let checkpointMagic: [UInt8] = Array("BSVS".utf8)
    static let checkpointVersion: UInt16 = 2

    static func corrupt(_ message: String) -> VolumeStoreError {
        VolumeStoreError(.corruptMetadata, message)
    }
}

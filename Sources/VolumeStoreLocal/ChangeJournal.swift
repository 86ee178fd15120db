#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The journal file `journal`: block-state records written since the checkpoint of the same
/// generation, appended one batch per flush.
///
///     header: "BSVJ" | version u16 = 1 | reserved u16 = 0 | generation u64 | crc32c u32   (20 bytes)
///     batch:  "BSVB" | seq u64 | count u32 | count × record u64 LE | crc32c u32
///
/// Batches of a generation are numbered 1, 2, 3, …; each checksum covers the bytes of its own
/// header or batch before it.
///
/// Invariants: replay stops at the first batch that is torn, fails its checksum or is out of
/// sequence, and the file is cut there, so a batch is either wholly applied or not at all. A
/// journal whose generation is older than the checkpoint's is already contained in it and is
/// discarded. Used only under its volume's flush mutex.
final class ChangeJournal: @unchecked Sendable {
    private let file: POSIXFile
    /// The checkpoint generation the records apply to.
    private(set) var generation: UInt64
    /// Bytes of valid journal (header and whole batches).
    private(set) var length: Int64
    private var nextSequence: UInt64 = 1

    private init(file: POSIXFile, generation: UInt64, length: Int64) {
        self.file = file
        self.generation = generation
        self.length = length
    }

    /// Opens (creating if needed) the journal for a checkpoint of `generation`, returning it
    /// and the records to replay on top of that checkpoint.
    static func open(_ layout: VolumeLayout, generation: UInt64) throws -> (ChangeJournal, [JournalRecord]) {
        let file = try POSIXFile.open(layout.journalPath, flags: O_RDWR | O_CREAT)
        let bytes = try file.read(count: Int(try file.length()), at: 0)
        let journal = ChangeJournal(file: file, generation: generation, length: 0)
        guard bytes.count >= headerSize, Array(bytes[0..<4]) == headerMagic,
            bytes.readLE(UInt16.self, at: 4) == version,
            bytes.readLE(UInt32.self, at: 16) == CRC32C.checksum(bytes, 0..<16)
        else {
            try journal.reset(generation: generation)  // torn while being reset, or new
            return (journal, [])
        }
        let stored = bytes.readLE(UInt64.self, at: 8)
        if stored > generation {
            throw VolumeStoreError(
                .corruptMetadata, "\(layout.journalPath): generation \(stored) is newer than the checkpoint")
        }
        if stored < generation {
            try journal.reset(generation: generation)  // crash between checkpoint and reset
            return (journal, [])
        }
        var records: [JournalRecord] = []
        var offset = headerSize
        while let batch = parseBatch(bytes, at: offset, sequence: journal.nextSequence) {
            records += batch.records
            offset = batch.end
            journal.nextSequence += 1
        }
        journal.length = Int64(offset)
        if offset < bytes.count { try file.truncate(to: Int64(offset)) }
        return (journal, records)
    }

    /// Appends one batch and makes it durable. On failure the journal is cut back, so the
    /// batch can be appended again.
    func append(_ records: [JournalRecord]) throws {
        guard !records.isEmpty else { return }
        var batch: [UInt8] = Self.batchMagic
        batch.reserveCapacity(20 + records.count * 8)
        batch.appendLE(nextSequence)
        batch.appendLE(UInt32(records.count))
        for record in records { batch.appendLE(record.encoded) }
        batch.appendLE(CRC32C.checksum(batch))
        do {
            try batch.withUnsafeBytes { try file.write($0, at: length) }
            try file.dataSync()
        } catch {
            try? file.truncate(to: length)
            throw error
        }
        length += Int64(batch.count)
        nextSequence += 1
    }

    /// Empties the journal and starts `generation` (after a checkpoint of that generation).
    func reset(generation: UInt64) throws {
        try file.truncate(to: 0)
        var header: [UInt8] = Self.headerMagic
        header.appendLE(Self.version)
        header.appendLE(UInt16(0))
        header.appendLE(generation)
        header.appendLE(CRC32C.checksum(header))
        try header.withUnsafeBytes { try file.write($0, at: 0) }
        try file.dataSync()
        self.generation = generation
        length = Int64(header.count)
        nextSequence = 1
    }

    private static func parseBatch(
        _ bytes: [UInt8], at offset: Int, sequence: UInt64
    ) -> (records: [JournalRecord], end: Int)? {
        guard bytes.count - offset >= 20, Array(bytes[offset..<offset + 4]) == batchMagic,
            bytes.readLE(UInt64.self, at: offset + 4) == sequence
        else { return nil }
        let count = Int(bytes.readLE(UInt32.self, at: offset + 12))
        let end = offset + 16 + count * 8 + 4
        guard end <= bytes.count,
            bytes.readLE(UInt32.self, at: end - 4) == CRC32C.checksum(bytes, offset..<end - 4)
        else { return nil }
        var records: [JournalRecord] = []
        records.reserveCapacity(count)
        for i in 0..<count {
            guard let record = JournalRecord(encoded: bytes.readLE(UInt64.self, at: offset + 16 + i * 8)) else {
                return nil
            }
            records.append(record)
        }
        return (records, end)
    }

    static let headerSize = 20
    static let headerMagic: [UInt8] = Array("BSVJ".utf8)
    static let batchMagic: [UInt8] = Array("BSVB".utf8)
    static let version: UInt16 = 1
}

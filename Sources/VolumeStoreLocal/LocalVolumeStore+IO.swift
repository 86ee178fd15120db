import BlockSnapCore

/// The data path, as the NBD server calls it. Every call is `nonisolated`: it finds the volume
/// in the registry (a short lock) and works on that volume alone. Offsets and lengths are in
/// bytes and need no alignment; a range past the end fails with `.outOfRange`, an unknown or
/// closed volume with `.unknownVolume`.
extension LocalVolumeStore {
    /// The volume's size in bytes (the NBD export size).
    public nonisolated func size(volumeId: String) throws -> Int64 {
        try registry.volume(volumeId).size()
    }

    /// The `length` bytes at `offset`: local blocks from the data segments, the rest from the base
    /// map (zeros where it has no data).
    public nonisolated func read(volumeId: String, offset: Int64, length: Int) async throws -> [UInt8] {
        try await registry.volume(volumeId).read(offset: offset, length: length)
    }

    /// The `destination.count` bytes at `offset`, written straight into `destination` (see
    /// `ReadDestination` for what the caller must guarantee).
    public nonisolated func read(volumeId: String, offset: Int64, into destination: ReadDestination) async throws {
        try await registry.volume(volumeId).read(offset: offset, into: destination)
    }

    /// `read(volumeId:offset:into:)` on the calling thread, when every byte is local and in the
    /// page cache; false (destination bytes unspecified) otherwise.
    public nonisolated func readNow(volumeId: String, offset: Int64, into destination: ReadDestination) throws -> Bool {
        try registry.volume(volumeId).readNow(offset: offset, into: destination)
    }

    /// `write(volumeId:offset:bytes:)` on the calling thread, for a write of at most
    /// `inlineTransferLimit` bytes within one local block that no other task holds, while no
    /// freeze holds the write barrier (copy-before-write of the pages a pending freeze still
    /// needs is done on the spot); false (nothing written) otherwise.
    public nonisolated func writeNow(volumeId: String, offset: Int64, bytes: [UInt8]) throws -> Bool {
        try registry.volume(volumeId).writeNow(offset: offset, bytes: bytes)
    }

    /// Writes `bytes` at `offset`. A write covering part of a block that is not local first
    /// fills that block from the base map. Acknowledged (returned) writes are visible to later
    /// reads; they are durable after `flush`, or on return when `fua` is set.
    public nonisolated func write(volumeId: String, offset: Int64, bytes: [UInt8], fua: Bool = false) async throws {
        let volume = try registry.volume(volumeId)
        try await volume.write(offset: offset, length: bytes.count, payload: .bytes(bytes))
        if fua { try await volume.flush() }
    }

    /// Makes `[offset, offset+length)` read as zeros. Whole blocks become holes in the data segments.
    public nonisolated func writeZeroes(volumeId: String, offset: Int64, length: Int64, fua: Bool = false) async throws
    {
        let volume = try registry.volume(volumeId)
        guard let count = Int(exactly: length) else {
            throw VolumeStoreError.outOfRange(offset: offset, length: length, size: try volume.size())
        }
        try await volume.write(offset: offset, length: count, payload: .zeros)
        if fua { try await volume.flush() }
    }

    /// Discards `[offset, offset+length)`. For simplicity a trim has write-zeroes semantics: the
    /// range reads as zeros afterwards and counts as changed (NBD allows a server to do this).
    public nonisolated func trim(volumeId: String, offset: Int64, length: Int64, fua: Bool = false) async throws {
        try await writeZeroes(volumeId: volumeId, offset: offset, length: length, fua: fua)
    }

    /// Makes every write acknowledged before this call durable: segment 0 and every other data
    /// segment written since the last flush are fsync'd, then
    /// the block-state records of those writes (write-ahead for changed-block tracking).
    public nonisolated func flush(volumeId: String) async throws {
        try await registry.volume(volumeId).flush()
    }

    /// Moves the volume's base map to `root` (after a snapshot of it completed and the catalog's
    /// base moved). Local blocks stay local.
    public nonisolated func setBase(volumeId: String, root: BlockHash?) throws {
        try registry.volume(volumeId).setBase(root)
    }

    /// Grows the volume to `newSizeGiB`; shrinking fails with `.invalidArgument`.
    public nonisolated func resize(volumeId: String, newSizeGiB: Int64) async throws {
        guard (BlockGeometry.minVolumeSizeGiB...BlockGeometry.maxVolumeSizeGiB).contains(newSizeGiB) else {
            throw VolumeStoreError(.invalidArgument, "volume size \(newSizeGiB) GiB is out of range")
        }
        try await registry.volume(volumeId)
            .resize(toBlocks: BlockGeometry.blockCount(volumeSizeGiB: newSizeGiB))
    }

    /// Allocation of `[offset, offset+length)` in runs: allocated where a block is local or has a
    /// data block in the base map, a hole where it reads as zeros without storage. Describes at
    /// most `Configuration.maxStatusBlocks` blocks from `offset`; empty for a zero length.
    public nonisolated func blockStatus(volumeId: String, offset: Int64, length: Int64) async throws -> [VolumeExtent] {
        try await registry.volume(volumeId)
            .blockStatus(offset: offset, length: length, maxBlocks: max(1, configuration.maxStatusBlocks))
    }
}

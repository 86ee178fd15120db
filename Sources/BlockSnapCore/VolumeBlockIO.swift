/// The byte-level data plane of live volumes, as a block-device front end (the NBD server)
/// uses it: reads, writes, zeroing, flushes and allocation status by volume id.
///
/// Invariants an implementation keeps: a write is visible to every read that starts after it
/// returned; `flush` makes every write that returned before the call durable; a failure is
/// reported with an error that conforms to `VolumeIOFailure`, so the front end can answer it
/// with the protocol's error (anything else counts as an I/O error).
public protocol VolumeBlockIO: Sendable {
    /// The volume's size in bytes.
    func size(volumeId: String) throws -> Int64
    /// Fills `destination` with the bytes from `offset` (zeros where nothing was written).
    func read(volumeId: String, offset: Int64, into destination: ReadDestination) async throws
    /// Writes `bytes` at `offset`; with `fua`, durably before returning.
    func write(volumeId: String, offset: Int64, bytes: [UInt8], fua: Bool) async throws
    /// Makes `[offset, offset+length)` read as zeros; with `fua`, durably before returning.
    func writeZeroes(volumeId: String, offset: Int64, length: Int64, fua: Bool) async throws
    /// Makes every write acknowledged before the call durable.
    func flush(volumeId: String) async throws
    /// Allocation of `[offset, offset+length)` in runs, from `offset` (possibly fewer bytes).
    func blockStatus(volumeId: String, offset: Int64, length: Int64) async throws -> [VolumeExtent]

    /// The read, done at once on the calling thread when that costs no more than a memory copy
    /// (every byte is local and in memory): true when done. False when it must wait for
    /// something (the disk, a base block, a lock); `destination` then holds unspecified bytes,
    /// and the caller uses `read`.
    func readNow(volumeId: String, offset: Int64, into destination: ReadDestination) throws -> Bool
    /// The write (not durable until a flush), done at once on the calling thread when it is
    /// small and needs nothing but small copies: true when done. False when it would have to
    /// wait or do more (a freeze being taken, a block being written, a block that is not local);
    /// nothing was written then, and the caller uses `write`.
    func writeNow(volumeId: String, offset: Int64, bytes: [UInt8]) throws -> Bool
}

/// Memory that `VolumeBlockIO.read(volumeId:offset:into:)` fills: `count` writable bytes at
/// `start`, for a caller that wants volume bytes straight in its own buffer (the NBD server
/// reads into the reply it sends), without an intermediate array and copy.
///
/// The caller must keep the memory allocated, and must neither read nor write it, until the
/// read returns; the store writes every byte of it (zeros where the volume has no data).
public struct ReadDestination: @unchecked Sendable {
    /// The first byte.
    public let start: UnsafeMutableRawPointer
    /// How many bytes.
    public let count: Int

    /// Wraps `count` bytes at `start`.
    public init(start: UnsafeMutableRawPointer, count: Int) {
        self.start = start
        self.count = count
    }

    /// The bytes `[offset, offset+count)` of this destination.
    public func slice(at offset: Int, count: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: start + offset, count: count)
    }
}

/// A run of a volume with one allocation status, as NBD `base:allocation` reports it.
public struct VolumeExtent: Sendable, Equatable {
    /// Byte offset in the volume.
    public var offset: Int64
    /// Length in bytes.
    public var length: Int64
    /// True when the bytes are local or come from a data block of the base map; false when
    /// they read as zeros without being stored anywhere (a hole).
    public var allocated: Bool

    /// Creates an extent.
    public init(offset: Int64, length: Int64, allocated: Bool) {
        self.offset = offset
        self.length = length
        self.allocated = allocated
    }
}

/// How a `VolumeBlockIO` failure should be answered.
public enum VolumeIOFailureKind: Sendable, Equatable {
    /// A range outside the volume.
    case outOfRange
    /// A malformed argument.
    case invalidArgument
    /// The storage is full.
    case noSpace
    /// Memory ran out.
    case noMemory
    /// Any other failure of the storage.
    case io
    /// The volume was deleted (or closed) while a client still had it open.
    case volumeGone
}

/// An error a `VolumeBlockIO` throws, classified for front ends.
public protocol VolumeIOFailure: Error {
    /// How to answer it.
    var volumeIOKind: VolumeIOFailureKind { get }
}

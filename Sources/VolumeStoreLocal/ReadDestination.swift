/// Memory that `LocalVolumeStore.read(volumeId:offset:into:)` fills: `count` writable bytes at
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
    func slice(at offset: Int, count: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: start + offset, count: count)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only memory mapping of a whole image, so that blocks are hashed where the page cache
/// holds them instead of being copied out first (an incremental upload reads the whole image but
/// sends little of it).
///
/// If the file shrinks while mapped, touching the lost pages raises SIGBUS: images must not be
/// truncated during an upload.
public final class ImageMapping: Sendable {
    private let address: UInt
    /// Bytes mapped (the file size when mapped).
    public let length: Int

    private init(address: UInt, length: Int) {
        self.address = address
        self.length = length
    }

    deinit {
        _ = munmap(UnsafeMutableRawPointer(bitPattern: address), length)
    }

    /// Maps the first `length` bytes of `file`; nil when the file cannot be mapped (the caller
    /// then reads with `pread`).
    public static func map(_ file: ImageFile, length: Int64) -> ImageMapping? {
        guard length > 0, length <= Int64(Int.max) else { return nil }
        let size = Int(length)
        guard let pointer = mmap(nil, size, PROT_READ, MAP_SHARED, file.fd, 0), pointer != MAP_FAILED else {
            return nil
        }
        _ = madvise(pointer, size, MADV_SEQUENTIAL)
        return ImageMapping(address: UInt(bitPattern: pointer), length: size)
    }

    /// The bytes of `range` (which must lie inside the mapping).
    public func bytes(_ range: Range<Int64>) -> UnsafeRawBufferPointer {
        precondition(range.lowerBound >= 0 && range.upperBound <= Int64(length), "range outside the mapping")
        let base = UnsafeRawPointer(bitPattern: address)! + Int(range.lowerBound)
        return UnsafeRawBufferPointer(start: base, count: range.count)
    }
}

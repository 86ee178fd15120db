import BlockSnapTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import VolumeStoreLocal

/// Reads that take only what the page cache holds (the NBD read path's shortcut).
@Suite struct PageCacheReadTests {
    @Test func cachedBytesAreReadInPlaceAndEvictedOnesAreRefused() throws {
        let directory = try TemporaryDirectory(prefix: "blocksnap-page-cache")
        defer { directory.remove() }
        let file = try POSIXFile.open(directory.appending("data"), flags: O_RDWR | O_CREAT)
        let bytes = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try file.write(bytes, range: 0..<bytes.count, at: 0)

        var buffer = [UInt8](repeating: 0xEE, count: 256 << 10)
        let cached = buffer.withUnsafeMutableBytes { file.readIfCached(into: $0, at: 4096) }
        #expect(cached, "just written, so in the page cache")
        #expect(buffer == Array(bytes[4096..<4096 + (256 << 10)]))

        // Past the end of the file: zeros, as `read(into:at:)` gives.
        var tail = [UInt8](repeating: 0xEE, count: 8192)
        #expect(tail.withUnsafeMutableBytes { file.readIfCached(into: $0, at: Int64(bytes.count) - 100) })
        #expect(Array(tail[..<100]) == Array(bytes[(bytes.count - 100)...]))
        #expect(tail[100...].allSatisfy { $0 == 0 })

        #if os(Linux)
        // Written back and dropped from the cache, the bytes need the disk: refused, and the
        // ordinary read still returns them.
        try file.sync()
        _ = posix_fadvise(file.fd, 0, 0, POSIX_FADV_DONTNEED)
        var evicted = [UInt8](repeating: 0, count: 256 << 10)
        #expect(!evicted.withUnsafeMutableBytes { file.readIfCached(into: $0, at: 512 << 10) })
        try evicted.withUnsafeMutableBytes { try file.read(into: $0, at: 512 << 10) }
        #expect(evicted == Array(bytes[(512 << 10)..<(768 << 10)]))
        #endif
    }
}

import BlockSnapTesting
import Foundation
import Testing

@testable import VolumeStoreLocal

#if canImport(Glibc)
    import Glibc
#endif

/// In-kernel copies between files (copy-before-write uses them).
@Suite struct POSIXFileCopyTests {
    @Test func copiesRangesAndFillsPastTheEndWithZeros() throws {
        let directory = try TemporaryDirectory(prefix: "blocksnap-copy")
        defer { directory.remove() }
        let source = try POSIXFile.open(directory.appending("source"), flags: O_RDWR | O_CREAT)
        let target = try POSIXFile.open(directory.appending("target"), flags: O_RDWR | O_CREAT)
        let bytes = (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        try source.write(bytes, range: 0..<bytes.count, at: 0)
        try target.write([UInt8](repeating: 0xEE, count: 40_000), range: 0..<40_000, at: 0)

        // A page-aligned run, an unaligned one, and one that runs 5 000 bytes past the source's end.
        try source.copy(count: 8192, at: 4096, to: target, at: 0)
        try source.copy(count: 1000, at: 123, to: target, at: 9000)
        try source.copy(count: 8000, at: 17_000, to: target, at: 20_000)
        let copied = try target.read(count: 40_000, at: 0)
        #expect(Array(copied[0..<8192]) == Array(bytes[4096..<12_288]))
        #expect(Array(copied[8192..<9000]) == [UInt8](repeating: 0xEE, count: 808))
        #expect(Array(copied[9000..<10_000]) == Array(bytes[123..<1123]))
        #expect(Array(copied[20_000..<23_000]) == Array(bytes[17_000..<20_000]))
        #expect(Array(copied[23_000..<28_000]) == [UInt8](repeating: 0, count: 5000))
        #expect(Array(copied[28_000..<40_000]) == [UInt8](repeating: 0xEE, count: 12_000))
    }
}

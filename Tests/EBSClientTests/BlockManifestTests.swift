import Foundation
import Testing

@testable import EBSClient

@Suite("Block manifests on disk")
struct BlockManifestTests {
    static func sample(fingerprints: Bool = true) -> BlockManifest {
        let ones = [UInt8](repeating: 1, count: 32)
        let twos = [UInt8](repeating: 2, count: 32)
        return BlockManifest(
            snapshotId: "snap-0123456789abcdef0", parentSnapshotId: nil, endpoint: "http://127.0.0.1:8788",
            volumeSizeGiB: 4,
            digests: [0: BlockDigest(bytes: ones)!, 8191: BlockDigest(bytes: twos)!, 5: EBSBlocks.zeroBlockDigest],
            fingerprints: fingerprints
                ? [
                    0: BlockFingerprint(low: 1, high: 0xFFFF_0000_0000_0001), 8191: BlockFingerprint(low: 2, high: 3),
                    5: BlockFingerprint(low: 5, high: 5),
                ] : [:])
    }

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "ebsclient-tests-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func roundTripDropsZeroBlocks() throws {
        let manifest = Self.sample()
        #expect(manifest.digests.count == 2)
        #expect(manifest.fingerprints.count == 2)
        let text = String(decoding: try manifest.encoded(), as: UTF8.self)
        #expect(text.contains("\"version\":2"))
        #expect(text.contains("[8191,\"\(String(repeating: "02", count: 32))\",\"00000000000000030000000000000002\"]"))
        let decoded = try BlockManifest(decoding: Array(text.utf8))
        #expect(decoded == manifest)
        #expect(decoded.fingerprints[0] == BlockFingerprint(low: 1, high: 0xFFFF_0000_0000_0001))
    }

    @Test func versionOneFilesAreStillRead() throws {
        // Without a fingerprint for every block the manifest is written in version 1, as before
        // fingerprints existed, and reads back without fingerprints.
        let old = Self.sample(fingerprints: false)
        let text = String(decoding: try old.encoded(), as: UTF8.self)
        #expect(text.contains("\"version\":1"))
        let decoded = try BlockManifest(decoding: Array(text.utf8))
        #expect(decoded == old)
        #expect(decoded.fingerprints.isEmpty)
        // A version 1 entry with a fingerprint, or a version 2 entry without one, is refused.
        let mixed = text.replacingOccurrences(of: "\"version\":1", with: "\"version\":2")
        #expect(throws: BlockManifest.FormatError.self) { try BlockManifest(decoding: Array(mixed.utf8)) }
    }

    @Test func fingerprintIsXXH3Of128Bits() throws {
        // Reference values from xxhsum -H2 (XXH3-128, seed 0).
        let empty = [UInt8]().withUnsafeBytes { BlockFingerprint(hashing: $0) }
        #expect(empty.hex == "99aa06d3014798d86001c324468d497f")
        let abc = Array("abc".utf8).withUnsafeBytes { BlockFingerprint(hashing: $0) }
        #expect(abc.hex == "06b05ab6733a618578af5f94892f3950")
        #expect(BlockFingerprint(hex: empty.hex) == empty)
        #expect(BlockFingerprint(hex: "99AA06D3014798D86001C324468D497F") == empty)
        #expect(BlockFingerprint(hex: "99aa06d3014798d86001c324468d497") == nil)
        #expect(BlockFingerprint(hex: "99aa06d3014798d86001c324468d497g") == nil)
        var block = [UInt8](repeating: 7, count: EBSBlocks.blockSize)
        let before = block.withUnsafeBytes { BlockFingerprint(hashing: $0) }
        block[EBSBlocks.blockSize - 1] = 8
        #expect(block.withUnsafeBytes { BlockFingerprint(hashing: $0) } != before)
    }

    @Test func tamperingIsDetected() throws {
        var text = String(decoding: try Self.sample().encoded(), as: UTF8.self)
        text = text.replacingOccurrences(of: "[8191,", with: "[8190,")
        #expect(throws: BlockManifest.FormatError.self) { try BlockManifest(decoding: Array(text.utf8)) }
        let fingerprintChanged = String(decoding: try Self.sample().encoded(), as: UTF8.self)
            .replacingOccurrences(of: "00000000000000030000000000000002", with: "00000000000000030000000000000003")
        #expect(throws: BlockManifest.FormatError.self) { try BlockManifest(decoding: Array(fingerprintChanged.utf8)) }
        let wrongVersion = String(decoding: try Self.sample().encoded(), as: UTF8.self)
            .replacingOccurrences(of: "\"version\":2", with: "\"version\":3")
        #expect(throws: BlockManifest.FormatError(reason: "unsupported version 3")) {
            try BlockManifest(decoding: Array(wrongVersion.utf8))
        }
        #expect(throws: BlockManifest.FormatError.self) { try BlockManifest(decoding: Array("{}".utf8)) }
        #expect(throws: BlockManifest.FormatError.self) { try BlockManifest(decoding: []) }
    }

    @Test func storeSavesAtomicallyAndLoads() throws {
        let directory = Self.temporaryDirectory() + "/nested/manifests"
        let store = BlockManifestStore(directory: directory)
        #expect(try store.load(snapshotId: "snap-0123456789abcdef0") == nil)
        let path = try store.save(Self.sample())
        #expect(path == directory + "/snap-0123456789abcdef0.json")
        #expect(try store.load(snapshotId: "snap-0123456789abcdef0") == Self.sample())
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(leftovers == ["snap-0123456789abcdef0.json"])
        // A manifest copied under another name is refused.
        try FileManager.default.copyItem(atPath: path, toPath: directory + "/snap-other.json")
        #expect(throws: BlockManifestStore.StoreError.self) { try store.load(snapshotId: "snap-other") }
        for bad in ["../etc/passwd", "", ".hidden", "snap/x"] {
            #expect(throws: BlockManifestStore.StoreError.self) { try store.load(snapshotId: bad) }
        }
    }

    @Test func defaultDirectory() {
        #expect(
            BlockManifestStore.defaultDirectory(environment: [:], homeDirectory: "/home/u")
                == "/home/u/.cache/blocksnap/manifests")
        #expect(
            BlockManifestStore.defaultDirectory(environment: ["XDG_CACHE_HOME": "/c"], homeDirectory: "/home/u")
                == "/c/blocksnap/manifests")
    }
}

@Suite("Image files")
struct ImageFileTests {
    @Test func readsPastTheEndAsZerosAndFindsHoles() throws {
        let path = BlockManifestTests.temporaryDirectory() + "/image.raw"
        let file = try ImageFile.create(path: path, exclusive: true)
        #expect(throws: ImageFileError.self) { try ImageFile.create(path: path, exclusive: true) }
        let block = EBSBlocks.blockSize
        try file.truncate(to: Int64(block) * 64)
        try file.write([UInt8](repeating: 9, count: 10), at: Int64(block) * 40 + 5)
        try file.sync()
        let reader = try ImageFile.openForReading(path: path)
        #expect(try reader.size() == Int64(block) * 64)
        let ranges = reader.dataRanges(size: try reader.size())
        let blocks = BlockRanges(coveringBytes: ranges)
        #expect(blocks.ranges.contains { $0.contains(40) })
        #expect(blocks.count < 64)  // the file system reports the holes
        var buffer = [UInt8](repeating: 0xFF, count: block)
        try buffer.withUnsafeMutableBytes { try reader.read(into: $0, at: Int64(block) * 64 - 10) }
        #expect(buffer.allSatisfy { $0 == 0 })
        try buffer.withUnsafeMutableBytes { try reader.read(into: $0, at: Int64(block) * 40) }
        #expect(buffer[5] == 9 && buffer[14] == 9 && buffer[4] == 0 && buffer[15] == 0)
        #expect(throws: ImageFileError.self) { try ImageFile.openForReading(path: path + ".missing") }
        let error = ImageFileError(path: "/x", operation: "open", errno: ENOENT)
        #expect(error.description == "cannot open /x: No such file or directory")
    }
}

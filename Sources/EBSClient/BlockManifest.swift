import Crypto
import Foundation

/// The SHA-256 of every non-zero block of one snapshot, written by `blocksnap upload` after
/// CompleteSnapshot succeeds, so that a later `upload --parent` can send only the blocks that
/// changed without downloading the parent.
///
/// On disk, `<manifest-dir>/<snapshot-id>.json`, format version 1:
///
/// ```
/// { "format": "blocksnap-block-manifest", "version": 1,
///   "snapshotId": "snap-…", "parentSnapshotId": "snap-…" or null,
///   "endpoint": "http://127.0.0.1:8788", "volumeSizeGiB": 4, "blockSize": 524288,
///   "blocks": [[0, "<hex sha256>"], [7, "…"], …],      // ascending; zero blocks left out
///   "checksum": "<hex SHA-256 over, per entry, the 8-byte big-endian index and the 32-byte digest>" }
/// ```
///
/// A block that is absent reads as zeros. Reading checks format, version, block size and checksum.
public struct BlockManifest: Sendable, Equatable {
    /// The format name in the file.
    public static let formatName = "blocksnap-block-manifest"
    /// The format version this code writes and reads.
    public static let currentVersion = 1

    /// The snapshot described.
    public var snapshotId: String
    /// Its parent, for information.
    public var parentSnapshotId: String?
    /// The endpoint it was uploaded to, for information.
    public var endpoint: String
    /// The snapshot's volume size in GiB.
    public var volumeSizeGiB: Int64
    /// Digest of each non-zero block by index.
    public var digests: [Int64: BlockDigest]

    /// Creates a manifest; zero-block digests in `digests` are dropped.
    public init(
        snapshotId: String, parentSnapshotId: String?, endpoint: String, volumeSizeGiB: Int64,
        digests: [Int64: BlockDigest]
    ) {
        self.snapshotId = snapshotId
        self.parentSnapshotId = parentSnapshotId
        self.endpoint = endpoint
        self.volumeSizeGiB = volumeSizeGiB
        self.digests = digests.filter { $0.value != EBSBlocks.zeroBlockDigest }
    }

    /// Why a manifest file was not accepted.
    public struct FormatError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong.
        public var reason: String
        public var description: String { "invalid block manifest: \(reason)" }
    }

    private struct File: Codable {
        var format: String
        var version: Int
        var snapshotId: String
        var parentSnapshotId: String?
        var endpoint: String
        var volumeSizeGiB: Int64
        var blockSize: Int
        var blocks: [Entry]
        var checksum: String
    }

    private struct Entry: Codable {
        var index: Int64
        var sha256: String

        init(index: Int64, sha256: String) {
            self.index = index
            self.sha256 = sha256
        }

        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            index = try container.decode(Int64.self)
            sha256 = try container.decode(String.self)
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.unkeyedContainer()
            try container.encode(index)
            try container.encode(sha256)
        }
    }

    /// The file's bytes.
    public func encoded() throws -> [UInt8] {
        let sorted = digests.sorted { $0.key < $1.key }
        let file = File(
            format: Self.formatName, version: Self.currentVersion, snapshotId: snapshotId,
            parentSnapshotId: parentSnapshotId, endpoint: endpoint, volumeSizeGiB: volumeSizeGiB,
            blockSize: EBSBlocks.blockSize, blocks: sorted.map { Entry(index: $0.key, sha256: $0.value.hex) },
            checksum: Self.checksum(sorted).hex)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(file))
    }

    /// Parses and checks a manifest file's bytes.
    public init(decoding bytes: [UInt8]) throws(FormatError) {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(bytes))
        } catch {
            throw FormatError(reason: "not a manifest file (\(error))")
        }
        guard file.format == Self.formatName else { throw FormatError(reason: "format '\(file.format)'") }
        guard file.version == Self.currentVersion else {
            throw FormatError(reason: "unsupported version \(file.version)")
        }
        guard file.blockSize == EBSBlocks.blockSize else { throw FormatError(reason: "block size \(file.blockSize)") }
        var digests: [Int64: BlockDigest] = [:]
        digests.reserveCapacity(file.blocks.count)
        for entry in file.blocks {
            guard entry.index >= 0, let digest = BlockDigest(hex: entry.sha256), digests[entry.index] == nil else {
                throw FormatError(reason: "bad entry for block \(entry.index)")
            }
            digests[entry.index] = digest
        }
        let sorted = digests.sorted { $0.key < $1.key }
        guard Self.checksum(sorted).hex == file.checksum.lowercased() else {
            throw FormatError(reason: "checksum mismatch (the file was modified or truncated)")
        }
        self.init(
            snapshotId: file.snapshotId, parentSnapshotId: file.parentSnapshotId, endpoint: file.endpoint,
            volumeSizeGiB: file.volumeSizeGiB, digests: digests)
    }

    private static func checksum(_ sorted: [(key: Int64, value: BlockDigest)]) -> BlockDigest {
        var hasher = SHA256()
        for (index, digest) in sorted {
            var bigEndian = UInt64(bitPattern: index).bigEndian
            withUnsafeBytes(of: &bigEndian) { hasher.update(bufferPointer: $0) }
            digest.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }
        return BlockDigest(bytes: Array(hasher.finalize()))!
    }
}

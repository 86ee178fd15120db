import Crypto
import Foundation

/// The SHA-256 and the XXH3-128 fingerprint of every non-zero block of one snapshot, written by
/// `blocksnap upload` after CompleteSnapshot succeeds, so that a later `upload --parent` can send
/// only the blocks that changed without downloading the parent (and, thanks to the fingerprints,
/// without computing the SHA-256 of the blocks that did not change).
///
/// On disk, `<manifest-dir>/<snapshot-id>.json`, format version 2:
///
/// ```
/// { "format": "blocksnap-block-manifest", "version": 2,
///   "snapshotId": "snap-…", "parentSnapshotId": "snap-…" or null,
///   "endpoint": "http://127.0.0.1:8788", "volumeSizeGiB": 4, "blockSize": 524288,
///   "blocks": [[0, "<hex sha256>", "<hex xxh3-128>"], [7, …], …],   // ascending; zero blocks left out
///   "checksum": "<hex SHA-256 over, per entry, the 8-byte big-endian index, the 32-byte digest
///                and the 16-byte big-endian fingerprint>" }
/// ```
///
/// Version 1 files (entries without the fingerprint, checksum without it) are still read; they
/// give no fingerprints. A block that is absent reads as zeros. Reading checks format, version,
/// block size and checksum. Invariant: every fingerprint belongs to a block that has a digest.
public struct BlockManifest: Sendable, Equatable {
    /// The format name in the file.
    public static let formatName = "blocksnap-block-manifest"
    /// The format version this code writes (it also reads version 1).
    public static let currentVersion = 2

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
    /// Fingerprint of each non-zero block by index (empty when read from a version 1 file).
    public var fingerprints: [Int64: BlockFingerprint]

    /// Creates a manifest; zero-block digests in `digests`, and fingerprints of blocks without a
    /// digest, are dropped.
    public init(
        snapshotId: String, parentSnapshotId: String?, endpoint: String, volumeSizeGiB: Int64,
        digests: [Int64: BlockDigest], fingerprints: [Int64: BlockFingerprint] = [:]
    ) {
        self.snapshotId = snapshotId
        self.parentSnapshotId = parentSnapshotId
        self.endpoint = endpoint
        self.volumeSizeGiB = volumeSizeGiB
        let kept = digests.filter { $0.value != EBSBlocks.zeroBlockDigest }
        self.digests = kept
        self.fingerprints = fingerprints.filter { kept[$0.key] != nil }
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
        var xxh3: String?

        init(index: Int64, sha256: String, xxh3: String?) {
            self.index = index
            self.sha256 = sha256
            self.xxh3 = xxh3
        }

        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            index = try container.decode(Int64.self)
            sha256 = try container.decode(String.self)
            xxh3 = container.isAtEnd ? nil : try container.decode(String.self)
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.unkeyedContainer()
            try container.encode(index)
            try container.encode(sha256)
            if let xxh3 { try container.encode(xxh3) }
        }
    }

    /// The file's bytes: version 2, or version 1 unless every block has a fingerprint.
    public func encoded() throws -> [UInt8] {
        let complete = fingerprints.count == digests.count
        let sorted = sortedEntries(withFingerprints: complete)
        let version = complete ? Self.currentVersion : 1
        let file = File(
            format: Self.formatName, version: version, snapshotId: snapshotId,
            parentSnapshotId: parentSnapshotId, endpoint: endpoint, volumeSizeGiB: volumeSizeGiB,
            blockSize: EBSBlocks.blockSize,
            blocks: sorted.map { Entry(index: $0.index, sha256: $0.digest.hex, xxh3: $0.fingerprint?.hex) },
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
        guard file.version == 1 || file.version == 2 else {
            throw FormatError(reason: "unsupported version \(file.version)")
        }
        guard file.blockSize == EBSBlocks.blockSize else { throw FormatError(reason: "block size \(file.blockSize)") }
        var digests: [Int64: BlockDigest] = [:]
        var fingerprints: [Int64: BlockFingerprint] = [:]
        digests.reserveCapacity(file.blocks.count)
        fingerprints.reserveCapacity(file.version == 2 ? file.blocks.count : 0)
        for entry in file.blocks {
            guard entry.index >= 0, let digest = BlockDigest(hex: entry.sha256), digests[entry.index] == nil,
                (entry.xxh3 == nil) == (file.version == 1)
            else {
                throw FormatError(reason: "bad entry for block \(entry.index)")
            }
            digests[entry.index] = digest
            if let hex = entry.xxh3 {
                guard let fingerprint = BlockFingerprint(hex: hex) else {
                    throw FormatError(reason: "bad fingerprint for block \(entry.index)")
                }
                fingerprints[entry.index] = fingerprint
            }
        }
        self.init(
            snapshotId: file.snapshotId, parentSnapshotId: file.parentSnapshotId, endpoint: file.endpoint,
            volumeSizeGiB: file.volumeSizeGiB, digests: digests, fingerprints: fingerprints)
        guard Self.checksum(sortedEntries(withFingerprints: file.version == 2)).hex == file.checksum.lowercased() else {
            throw FormatError(reason: "checksum mismatch (the file was modified or truncated)")
        }
    }

    private typealias SortedEntry = (index: Int64, digest: BlockDigest, fingerprint: BlockFingerprint?)

    /// Every block in ascending index order, with its fingerprint if asked for.
    private func sortedEntries(withFingerprints: Bool) -> [SortedEntry] {
        digests.sorted { $0.key < $1.key }.map { ($0.key, $0.value, withFingerprints ? fingerprints[$0.key] : nil) }
    }

    /// Version 1 checksums the index and digest of every entry; version 2 also the fingerprint.
    private static func checksum(_ sorted: [SortedEntry]) -> BlockDigest {
        var hasher = SHA256()
        for (index, digest, fingerprint) in sorted {
            var bigEndian = UInt64(bitPattern: index).bigEndian
            withUnsafeBytes(of: &bigEndian) { hasher.update(bufferPointer: $0) }
            digest.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            if let fingerprint { fingerprint.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) } }
        }
        return BlockDigest(bytes: Array(hasher.finalize()))!
    }
}

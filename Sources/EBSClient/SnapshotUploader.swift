import Foundation
import NIOCore

/// Uploads a raw image into a new snapshot, sending only the blocks that differ from the parent
/// (with no parent: only the non-zero blocks).
///
/// ```
///  image ─► plan: blocks with data (SEEK_DATA) ∪ non-zero blocks of the parent
///        ─► StartSnapshot (ClientToken)
///        ─► N workers: next index ─► mmap/pread ─► zero? ─► XXH3-128 ─► equal to parent's? ─► skip
///                                                     └─ else SHA-256 ─► PutSnapshotBlock
///        ─► CompleteSnapshot (count, LINEAR aggregate of sent digests) ─► save manifest
/// ```
///
/// The parent's block digests and fingerprints come from the manifest an earlier upload saved;
/// without one the parent is read once with GetSnapshotBlock (correct, but it costs a full
/// download). With `Options.compare == .sha256`, or a parent without fingerprints (a version 1
/// manifest), blocks are compared by SHA-256 instead.
public struct SnapshotUploader: Sendable {
    /// What to upload and how.
    public struct Options: Sendable {
        /// The image file (or block device).
        public var imagePath: String
        /// The volume size in GiB; nil for the image size rounded up (and at least the parent's).
        public var volumeSizeGiB: Int64?
        /// The snapshot description.
        public var description: String?
        /// The parent snapshot, for an incremental upload.
        public var parentSnapshotId: String?
        /// Blocks in flight at once.
        public var concurrency: Int
        /// StartSnapshot's idempotency token.
        public var clientToken: String
        /// StartSnapshot's Timeout in minutes.
        public var timeoutMinutes: Int?
        /// How a block is recognised as unchanged from the parent.
        public var compare: Comparison

        /// Creates options.
        public init(
            imagePath: String, volumeSizeGiB: Int64? = nil, description: String? = nil, parentSnapshotId: String? = nil,
            concurrency: Int = 8, clientToken: String, timeoutMinutes: Int? = nil, compare: Comparison = .fingerprint
        ) {
            self.imagePath = imagePath
            self.volumeSizeGiB = volumeSizeGiB
            self.description = description
            self.parentSnapshotId = parentSnapshotId
            self.concurrency = concurrency
            self.clientToken = clientToken
            self.timeoutMinutes = timeoutMinutes
            self.compare = compare
        }
    }

    /// How `upload --parent` decides that a block equals the parent's.
    public enum Comparison: String, Sendable, CaseIterable {
        /// Equal XXH3-128 fingerprints (from the parent's manifest); SHA-256 only for blocks that differ.
        case fingerprint
        /// Equal SHA-256 digests: every non-zero block is hashed with SHA-256.
        case sha256
    }

    /// Where the parent's block digests came from.
    public enum ParentSource: String, Sendable {
        case none, manifest, downloaded
    }

    /// What an upload did.
    public struct Outcome: Sendable {
        /// The new snapshot.
        public var snapshotId: String
        /// Its status after CompleteSnapshot.
        public var status: String
        /// Its volume size in GiB.
        public var volumeSizeGiB: Int64
        /// The image size in bytes.
        public var imageBytes: Int64
        /// Blocks read and compared.
        public var blocksExamined: Int64
        /// Blocks sent with PutSnapshotBlock.
        public var blocksSent: Int
        /// Where the parent's digests came from.
        public var parentSource: ParentSource
        /// The manifest written for the new snapshot, if any.
        public var manifestPath: String?
    }

    /// A failure of the upload itself (API and file errors are thrown as they are).
    public enum UploadError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The image does not fit the requested volume size.
        case imageLargerThanVolume(imageBytes: Int64, volumeSizeGiB: Int64)
        /// The service uses a block size other than 524288.
        case unsupportedBlockSize(Int)

        public var description: String {
            switch self {
            case .imageLargerThanVolume(let bytes, let gib):
                return "the image is \(bytes) bytes, larger than the \(gib) GiB volume; raise --volume-size"
            case .unsupportedBlockSize(let size):
                return "the service reports a block size of \(size) bytes; only 524288 is supported"
            }
        }
    }

    /// The EBS client.
    public var client: EBSClient
    /// Where manifests are read and written; nil to use none.
    public var manifests: BlockManifestStore?
    /// Counters for a progress display.
    public var progress: TransferProgress
    /// Receives notices for the user (fallbacks, warnings).
    public var notice: @Sendable (String) -> Void

    /// Creates an uploader.
    public init(
        client: EBSClient, manifests: BlockManifestStore?, progress: TransferProgress,
        notice: @escaping @Sendable (String) -> Void
    ) {
        self.client = client
        self.manifests = manifests
        self.progress = progress
        self.notice = notice
    }

    /// Uploads the image; returns once CompleteSnapshot was accepted.
    public func upload(_ options: Options) async throws -> Outcome {
        let image = try ImageFile.openForReading(path: options.imagePath)
        let imageBytes = try image.size()
        let imageBlocks = (imageBytes + Int64(EBSBlocks.blockSize) - 1) / Int64(EBSBlocks.blockSize)

        var parent = ParentBlocks(volumeSizeGiB: nil, digests: [:], fingerprints: [:], source: .none)
        if let parentId = options.parentSnapshotId {
            parent = try await ParentBlocksLoader(
                client: client, manifests: manifests, progress: progress, notice: notice,
                concurrency: options.concurrency
            ).load(snapshotId: parentId)
        }

        if options.compare == .sha256 { parent.fingerprints = [:] }
        let volumeSizeGiB =
            options.volumeSizeGiB ?? max(EBSBlocks.volumeSizeGiB(forBytes: imageBytes), parent.volumeSizeGiB ?? 1)
        guard imageBytes <= volumeSizeGiB * EBSBlocks.bytesPerGiB else {
            throw UploadError.imageLargerThanVolume(imageBytes: imageBytes, volumeSizeGiB: volumeSizeGiB)
        }
        let volumeBlocks = volumeSizeGiB * EBSBlocks.blocksPerGiB
        let work = BlockRanges(coveringBytes: image.dataRanges(size: imageBytes))
            .union(BlockRanges(indexes: parent.digests.keys))
            .clamped(below: volumeBlocks)

        let started = try await client.startSnapshot(
            StartSnapshotInput(
                volumeSize: volumeSizeGiB, parentSnapshotId: options.parentSnapshotId, description: options.description,
                clientToken: options.clientToken, timeout: options.timeoutMinutes))
        if let blockSize = started.blockSize, blockSize != EBSBlocks.blockSize {
            throw UploadError.unsupportedBlockSize(blockSize)
        }
        let snapshotId = started.snapshotId

        do {
            let sent = try await sendBlocks(
                snapshotId: snapshotId, image: image, imageBlocks: imageBlocks, work: work, parent: parent,
                concurrency: options.concurrency)
            let status = try await client.completeSnapshot(
                snapshotId: snapshotId, changedBlocksCount: sent.sent.count,
                linearChecksum: sent.sent.isEmpty ? nil : EBSBlocks.linearAggregate(sent.sent.map(\.digest)))
            let manifestPath = saveManifest(
                BlockManifest(
                    snapshotId: snapshotId, parentSnapshotId: options.parentSnapshotId,
                    endpoint: client.endpoint.description, volumeSizeGiB: volumeSizeGiB, digests: sent.content,
                    fingerprints: sent.fingerprints))
            return Outcome(
                snapshotId: snapshotId, status: status, volumeSizeGiB: volumeSizeGiB, imageBytes: imageBytes,
                blocksExamined: work.count, blocksSent: sent.sent.count, parentSource: parent.source,
                manifestPath: manifestPath)
        } catch {
            notice("snapshot \(snapshotId) was left pending; it moves to error after its timeout")
            throw error
        }
    }

    private struct SentBlocks: Sendable {
        /// Blocks sent, in ascending index order.
        var sent: [(index: Int64, digest: BlockDigest)]
        /// Digest of every non-zero block of the new snapshot's content.
        var content: [Int64: BlockDigest]
        /// Fingerprint of every non-zero block of the new snapshot's content.
        var fingerprints: [Int64: BlockFingerprint]
    }

    private func sendBlocks(
        snapshotId: String, image: ImageFile, imageBlocks: Int64, work: BlockRanges, parent: ParentBlocks,
        concurrency: Int
    ) async throws -> SentBlocks {
        let cursor = BlockCursor(work)
        let total = work.count
        progress.begin(phase: "uploading", totalBlocks: total)
        let blockSize = EBSBlocks.blockSize
        let zeroDigest = EBSBlocks.zeroBlockDigest
        let mapping = ImageMapping.map(image, length: try image.size())
        // Fingerprints serve the comparison with the parent and the manifest saved afterwards;
        // with neither, they are not computed.
        let fingerprinting = manifests != nil || !parent.fingerprints.isEmpty
        let partials = try await Workers.run(count: concurrency) { [client, progress] in
            var sent: [(index: Int64, digest: BlockDigest)] = []
            var content: [ContentEntry] = []
            while let index = cursor.next() {
                try Task.checkCancellation()
                let offset = index * Int64(blockSize)
                let parentDigest = parent.digests[index] ?? zeroDigest
                var buffer = ByteBuffer()
                var entry: ContentEntry?
                if let mapping, offset + Int64(blockSize) <= Int64(mapping.length) {
                    // Hash in place; copy out only what is sent.
                    let bytes = mapping.bytes(offset..<offset + Int64(blockSize))
                    entry = Self.identify(bytes, index: index, parent: parent, fingerprinting: fingerprinting)
                    if (entry?.digest ?? zeroDigest) != parentDigest { buffer = ByteBuffer(bytes: bytes) }
                } else if index < imageBlocks {
                    buffer.reserveCapacity(blockSize)
                    try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: blockSize) { raw in
                        let block = UnsafeMutableRawBufferPointer(rebasing: raw[0..<blockSize])
                        try image.read(into: block, at: offset)
                        return blockSize
                    }
                    entry = buffer.withUnsafeReadableBytes {
                        Self.identify($0, index: index, parent: parent, fingerprinting: fingerprinting)
                    }
                }
                if let entry { content.append(entry) }
                let digest = entry?.digest ?? zeroDigest
                if digest != parentDigest {
                    if buffer.readableBytes == 0 { buffer = ByteBuffer(repeating: 0, count: blockSize) }
                    let reading = progress.read()
                    let percent = total > 0 ? Int(reading.doneBlocks * 100 / total) : 0
                    try await client.putSnapshotBlock(
                        snapshotId: snapshotId, blockIndex: index, data: buffer, digest: digest, progress: percent)
                    sent.append((index, digest))
                    progress.blockDone(transferred: true)
                } else {
                    progress.blockDone(transferred: false)
                }
            }
            return SentBlocksPartial(sent: sent, content: content)
        }
        var sent = partials.flatMap(\.sent)
        sent.sort { $0.index < $1.index }
        let count = partials.reduce(0) { $0 + $1.content.count }
        var content: [Int64: BlockDigest] = [:]
        var fingerprints: [Int64: BlockFingerprint] = [:]
        content.reserveCapacity(count)
        fingerprints.reserveCapacity(count)
        for partial in partials {
            for entry in partial.content {
                content[entry.index] = entry.digest
                if let fingerprint = entry.fingerprint { fingerprints[entry.index] = fingerprint }
            }
        }
        return SentBlocks(sent: sent, content: content, fingerprints: fingerprints)
    }

    /// A non-zero block of the new snapshot.
    private struct ContentEntry: Sendable {
        var index: Int64
        var digest: BlockDigest
        /// Nil when fingerprints are not computed.
        var fingerprint: BlockFingerprint?
    }

    /// The digest and (when `fingerprinting`) fingerprint of the block at `index`, nil if it is
    /// all zeros. A block whose fingerprint equals the parent's is the parent's block: its digest
    /// is the parent's, and no SHA-256 is computed.
    private static func identify(
        _ bytes: UnsafeRawBufferPointer, index: Int64, parent: ParentBlocks, fingerprinting: Bool
    ) -> ContentEntry? {
        if EBSBlocks.isZero(bytes) { return nil }
        guard fingerprinting else { return ContentEntry(index: index, digest: BlockDigest(hashing: bytes)) }
        let fingerprint = BlockFingerprint(hashing: bytes)
        if let known = parent.fingerprints[index], known == fingerprint, let digest = parent.digests[index] {
            return ContentEntry(index: index, digest: digest, fingerprint: fingerprint)
        }
        return ContentEntry(index: index, digest: BlockDigest(hashing: bytes), fingerprint: fingerprint)
    }

    private struct SentBlocksPartial: Sendable {
        var sent: [(index: Int64, digest: BlockDigest)]
        var content: [ContentEntry]
    }

    private func saveManifest(_ manifest: BlockManifest) -> String? {
        guard let manifests else { return nil }
        do {
            return try manifests.save(manifest)
        } catch {
            notice("could not save the block manifest (a later --parent upload will be slower): \(error)")
            return nil
        }
    }
}

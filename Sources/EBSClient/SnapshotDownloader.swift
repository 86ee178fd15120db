import NIOCore

/// Downloads a snapshot into a sparse image file.
///
/// ```
///  ListSnapshotBlocks page 1 ─► create IMAGE.partial, truncate to VolumeSize GiB
///    ├─ N workers: GetSnapshotBlock (checksum verified) ─► all zero? skip : pwrite at index*512KiB
///    └─ meanwhile ListSnapshotBlocks page 2 …
///    └─ every 64 MiB written: start writeback (posix_fadvise DONTNEED), so the fsync is short
///  fsync ─► rename IMAGE.partial → IMAGE ─► fsync directory
/// ```
public struct SnapshotDownloader: Sendable {
    /// Blocks written between two `ImageFile.startWriteback` calls (64 MiB).
    static let writebackEveryBlocks: Int64 = 128

    /// What a download did.
    public struct Outcome: Sendable {
        /// The volume size in GiB (the file's size).
        public var volumeSizeGiB: Int64
        /// Blocks listed and fetched.
        public var blocksFetched: Int64
        /// Blocks written (the rest were zeros and left as holes).
        public var blocksWritten: Int64
    }

    /// A failure of the download itself.
    public enum DownloadError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The target exists and overwriting was not allowed.
        case targetExists(String)
        /// The service listed a block outside the volume or returned no volume size.
        case inconsistentListing(String)

        public var description: String {
            switch self {
            case .targetExists(let path): return "\(path) already exists; use --force to replace it"
            case .inconsistentListing(let detail): return "inconsistent block listing: \(detail)"
            }
        }
    }

    /// The EBS client.
    public var client: EBSClient
    /// Counters for a progress display.
    public var progress: TransferProgress

    /// Creates a downloader.
    public init(client: EBSClient, progress: TransferProgress) {
        self.client = client
        self.progress = progress
    }

    /// Downloads `snapshotId` to `path`; refuses to replace an existing file unless `force`.
    /// The file appears under its name only when complete.
    public func download(snapshotId: String, to path: String, force: Bool, concurrency: Int) async throws -> Outcome {
        if !force, FileCommit.exists(path) { throw DownloadError.targetExists(path) }
        var page = try await client.listSnapshotBlocks(snapshotId: snapshotId, maxResults: 10_000)
        guard let volumeSizeGiB = page.volumeSize, volumeSizeGiB > 0 else {
            throw DownloadError.inconsistentListing("no VolumeSize in the answer")
        }
        if let blockSize = page.blockSize, blockSize != EBSBlocks.blockSize {
            throw SnapshotUploader.UploadError.unsupportedBlockSize(blockSize)
        }
        let partial = "\(path).partial"
        let file = try ImageFile.create(path: partial, exclusive: false)
        do {
            try file.truncate(to: volumeSizeGiB * EBSBlocks.bytesPerGiB)
            progress.begin(
                phase: "downloading", totalBlocks: Int64(page.blocks.count), totalIsFinal: page.nextToken == nil)
            var fetched: Int64 = 0
            var written: Int64 = 0
            let volumeBlocks = volumeSizeGiB * EBSBlocks.blocksPerGiB
            while true {
                let blocks = page.blocks
                if let outside = blocks.first(where: { $0.blockIndex < 0 || $0.blockIndex >= volumeBlocks }) {
                    throw DownloadError.inconsistentListing(
                        "block \(outside.blockIndex) of a \(volumeSizeGiB) GiB volume")
                }
                let token = page.nextToken
                // The next page is listed while this one downloads.
                async let nextPage: ListSnapshotBlocksOutput? =
                    token == nil
                    ? nil : client.listSnapshotBlocks(snapshotId: snapshotId, maxResults: 10_000, nextToken: token)
                written += try await fetch(snapshotId: snapshotId, blocks: blocks, into: file, concurrency: concurrency)
                fetched += Int64(blocks.count)
                guard let next = try await nextPage else { break }
                progress.addToTotal(Int64(next.blocks.count), final: next.nextToken == nil)
                page = next
            }
            try file.sync()
            if !force, FileCommit.exists(path) { throw DownloadError.targetExists(path) }
            try FileCommit.rename(partial, to: path)
            return Outcome(volumeSizeGiB: volumeSizeGiB, blocksFetched: fetched, blocksWritten: written)
        } catch {
            FileCommit.remove(partial)
            throw error
        }
    }

    /// Fetches and writes one page of blocks; returns how many were written (non-zero).
    private func fetch(snapshotId: String, blocks: [SnapshotBlockEntry], into file: ImageFile, concurrency: Int)
        async throws -> Int64
    {
        let cursor = BlockCursor(BlockRanges(0..<Int64(blocks.count)))
        let blocksWritten = Locked<Int64>(0)
        let partials = try await Workers.run(count: concurrency) { [client, progress] in
            var written: Int64 = 0
            while let position = cursor.next() {
                try Task.checkCancellation()
                let entry = blocks[Int(position)]
                let block = try await client.getSnapshotBlock(
                    snapshotId: snapshotId, blockIndex: entry.blockIndex, blockToken: entry.blockToken)
                if block.digest != EBSBlocks.zeroBlockDigest {
                    try block.data.withUnsafeReadableBytes { bytes throws(ImageFileError) in
                        try file.write(bytes, at: entry.blockIndex * Int64(EBSBlocks.blockSize))
                    }
                    written += 1
                    // Every 64 MiB, start writing back what is dirty, so the final fsync
                    // overlaps the download instead of following it.
                    let total = blocksWritten.withLock { count in
                        count += 1
                        return count
                    }
                    if total % Self.writebackEveryBlocks == 0 { file.startWriteback() }
                }
                progress.blockDone(transferred: true)
            }
            return written
        }
        return partials.reduce(0, +)
    }
}

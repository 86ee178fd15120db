/// The content of a parent snapshot as digests (and, where known, fingerprints) of its non-zero
/// blocks.
struct ParentBlocks: Sendable {
    var volumeSizeGiB: Int64?
    var digests: [Int64: BlockDigest]
    var fingerprints: [Int64: BlockFingerprint]
    var source: SnapshotUploader.ParentSource
}

/// Learns the digest of every block of a parent snapshot, cheaply from a saved manifest when there
/// is one that agrees with the parent's block list, else by reading every block of the parent.
struct ParentBlocksLoader: Sendable {
    var client: EBSClient
    var manifests: BlockManifestStore?
    var progress: TransferProgress
    var notice: @Sendable (String) -> Void
    var concurrency: Int

    func load(snapshotId: String) async throws -> ParentBlocks {
        // One request per 10000 blocks: proves the parent exists and is readable, gives its size,
        // and lets a manifest be checked against what the service really holds.
        let listing = try await client.listAllSnapshotBlocks(snapshotId: snapshotId)
        if let manifest = loadManifest(snapshotId: snapshotId) {
            let listed = Set(listing.blocks.map(\.blockIndex))
            if manifest.digests.keys.allSatisfy(listed.contains) {
                return ParentBlocks(
                    volumeSizeGiB: listing.volumeSize ?? manifest.volumeSizeGiB, digests: manifest.digests,
                    fingerprints: manifest.fingerprints, source: .manifest)
            }
            notice("the saved manifest of \(snapshotId) does not match its block list; reading the parent instead")
        }
        let (digests, fingerprints) = try await downloadDigests(snapshotId: snapshotId, blocks: listing.blocks)
        return ParentBlocks(
            volumeSizeGiB: listing.volumeSize, digests: digests, fingerprints: fingerprints, source: .downloaded)
    }

    private func loadManifest(snapshotId: String) -> BlockManifest? {
        guard let manifests else { return nil }
        do {
            if let manifest = try manifests.load(snapshotId: snapshotId) { return manifest }
            notice(
                "no block manifest for \(snapshotId) in \(manifests.directory); reading the parent's blocks to find "
                    + "what changed (slow: a full download; uploads from this machine save manifests for next time)")
        } catch {
            notice("ignoring the block manifest of \(snapshotId): \(error)")
        }
        return nil
    }

    /// GetSnapshotBlock of every listed block, keeping only the (verified) digests and the
    /// fingerprints of the bytes.
    private func downloadDigests(snapshotId: String, blocks: [SnapshotBlockEntry]) async throws -> (
        [Int64: BlockDigest], [Int64: BlockFingerprint]
    ) {
        progress.begin(phase: "reading parent", totalBlocks: Int64(blocks.count))
        let cursor = BlockCursor(BlockRanges(0..<Int64(blocks.count)))
        let partials = try await Workers.run(count: concurrency) { [client, progress] in
            var found: [(Int64, BlockDigest, BlockFingerprint)] = []
            while let position = cursor.next() {
                try Task.checkCancellation()
                let entry = blocks[Int(position)]
                let block = try await client.getSnapshotBlock(
                    snapshotId: snapshotId, blockIndex: entry.blockIndex, blockToken: entry.blockToken)
                if block.digest != EBSBlocks.zeroBlockDigest {
                    let fingerprint = block.data.withUnsafeReadableBytes { BlockFingerprint(hashing: $0) }
                    found.append((entry.blockIndex, block.digest, fingerprint))
                }
                progress.blockDone(transferred: true)
            }
            return found
        }
        var digests: [Int64: BlockDigest] = [:]
        var fingerprints: [Int64: BlockFingerprint] = [:]
        for partial in partials {
            for (index, digest, fingerprint) in partial {
                digests[index] = digest
                fingerprints[index] = fingerprint
            }
        }
        return (digests, fingerprints)
    }
}

extension BlockRanges {
    /// A set of one range.
    init(_ range: Range<Int64>) {
        self.init([range])
    }
}

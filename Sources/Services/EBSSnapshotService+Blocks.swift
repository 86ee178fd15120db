import BlockEngine
import BlockSnapCore
import Foundation

extension EBSSnapshotService {
    // MARK: PutSnapshotBlock

    /// Verifies and durably stores one block of a pending snapshot, then records it.
    /// Returns the block's base64 SHA-256.
    public func putSnapshotBlock(_ input: PutSnapshotBlockInput, owner: Account) async throws -> String {
        guard input.checksumAlgorithm == "SHA256" else {
            throw ServiceError(.invalidParameterValue, "ChecksumAlgorithm must be SHA256.")
        }
        guard let claimed = Base64.decode(input.checksum).flatMap({ BlockHash(bytes: $0) }) else {
            throw ServiceError(.invalidParameterValue, "Checksum must be the base64 SHA-256 of the block data.")
        }
        guard input.dataLength == Int64(BlockGeometry.blockSize) else {
            throw ServiceError(.invalidBlock, "DataLength must be \(BlockGeometry.blockSize) bytes.")
        }
        guard input.data.count == BlockGeometry.blockSize else {
            throw ServiceError(
                .invalidBlock, "The block data is \(input.data.count) bytes; DataLength says \(input.dataLength).")
        }
        if let progress = input.progress, !(0...100).contains(progress) {
            throw ServiceError(.invalidParameterValue, "Progress must be between 0 and 100.")
        }
        let snapshot = try await pendingSnapshot(input.snapshotId, owner: owner)
        try requirePending(snapshot)
        guard input.blockIndex >= 0, input.blockIndex < snapshot.blockCount else {
            throw ServiceError(
                .invalidBlock,
                "BlockIndex \(input.blockIndex) is outside the volume (0 to \(snapshot.blockCount - 1)).")
        }
        let hash = BlockCodec.hash(input.data)
        guard hash == claimed else {
            throw ServiceError(.invalidBlock, "The checksum does not match the block data.")
        }
        if await gate.beginWrite(snapshot.id) {
            // A completion ran meanwhile: if it completed the snapshot, store nothing.
            guard try await catalog.snapshot(id: snapshot.id)?.status == .pending else {
                await gate.endWrite(snapshot.id)
                pendingCache.forget(snapshot.id)
                throw ServiceError(.incorrectSnapshotState, "The snapshot '\(snapshot.id)' is no longer pending.")
            }
        }
        do {
            let ref = try await blocks.store(input.data, hash: hash)
            let deadline = clock.now().addingTimeInterval(TimeInterval(snapshot.timeoutMinutes * 60))
            let recorded = try await catalog.recordBlock(
                snapshotId: snapshot.id, block: WrittenBlock(index: input.blockIndex, ref: ref),
                progress: input.progress, deadline: deadline)
            await gate.endWrite(snapshot.id)
            guard recorded else {
                pendingCache.forget(snapshot.id)
                throw ServiceError(.incorrectSnapshotState, "The snapshot '\(snapshot.id)' is no longer pending.")
            }
        } catch {
            await gate.endWrite(snapshot.id)
            throw error
        }
        return hash.base64
    }

    // MARK: CompleteSnapshot

    /// Seals a pending snapshot: checks the block count and the optional aggregate checksum,
    /// derives its block map from the parent's and marks it completed in one transaction.
    public func completeSnapshot(_ input: CompleteSnapshotInput, owner: Account) async throws -> SnapshotRecord {
        guard input.changedBlocksCount >= 0 else {
            throw ServiceError(.invalidParameterValue, "ChangedBlocksCount must not be negative.")
        }
        if input.checksum != nil || input.checksumAlgorithm != nil || input.checksumAggregationMethod != nil {
            guard input.checksum != nil, input.checksumAlgorithm == "SHA256",
                input.checksumAggregationMethod == "LINEAR"
            else {
                throw ServiceError(
                    .invalidParameterValue,
                    "An aggregate Checksum needs ChecksumAlgorithm SHA256 and ChecksumAggregationMethod LINEAR.")
            }
        }
        pendingCache.forget(input.snapshotId)
        let snapshot = try await visibleSnapshot(input.snapshotId, owner: owner)
        try requirePending(snapshot)
        guard await gate.beginCompletion(snapshot.id) else {
            throw ServiceError(.incorrectSnapshotState, "The snapshot '\(snapshot.id)' is already being completed.")
        }
        do {
            let result = try await seal(snapshot, input)
            await gate.endCompletion(snapshot.id)
            return result
        } catch {
            await gate.endCompletion(snapshot.id)
            throw error
        }
    }

    private func seal(_ snapshot: SnapshotRecord, _ input: CompleteSnapshotInput) async throws -> SnapshotRecord {
        let written = try await catalog.writtenBlocks(snapshotId: snapshot.id)
        guard Int64(written.count) == input.changedBlocksCount else {
            throw ServiceError(
                .invalidParameterValue,
                "ChangedBlocksCount is \(input.changedBlocksCount) but \(written.count) blocks were written.")
        }
        if let checksum = input.checksum {
            let digests = written.map { block -> BlockHash in
                if case .data(let hash) = block.ref { return hash }
                return BlockStore.zeroBlockHash
            }
            guard BlockHashing.linearAggregate(digests) == checksum else {
                throw ServiceError(.invalidParameterValue, "The aggregate checksum does not match the written blocks.")
            }
        }
        let derived = try await maps.apply(written, to: snapshot.rootNode)
        let completed = try await catalog.completeSnapshot(
            id: snapshot.id, rootNode: derived.root, nodes: derived.newNodes, changedBlocksCount: written.count,
            completionTime: clock.now())
        guard completed, let result = try await catalog.snapshot(id: snapshot.id) else {
            throw ServiceError(.incorrectSnapshotState, "The snapshot '\(snapshot.id)' is no longer pending.")
        }
        return result
    }

    // MARK: GetSnapshotBlock

    /// The verified bytes of one block, given a token from a listing of this snapshot.
    public func getSnapshotBlock(snapshotId: String, blockIndex: Int64, blockToken: String, owner: Account)
        async throws -> FetchedBlock
    {
        let snapshot = try await visibleSnapshot(snapshotId, owner: owner)
        try requireCompleted(snapshot)
        guard blockIndex >= 0, blockIndex < snapshot.blockCount else {
            throw ServiceError(.invalidBlock, "BlockIndex \(blockIndex) is outside the volume.")
        }
        let ref = try openBlockToken(blockToken, snapshotId: snapshot.id, index: blockIndex)
        let data = try await blocks.load(ref)
        let hash: BlockHash
        if case .data(let stored) = ref { hash = stored } else { hash = BlockStore.zeroBlockHash }
        return FetchedBlock(data: data, checksum: hash.base64)
    }
}

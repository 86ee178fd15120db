import BlockEngine
import BlockSnapCore
import Foundation

extension EBSSnapshotService {
    // MARK: ListSnapshotBlocks

    /// A page of a completed snapshot's blocks, each with a token for GetSnapshotBlock.
    public func listSnapshotBlocks(snapshotId: String, paging: BlockListingInput, owner: Account) async throws
        -> BlockListing<ListedBlock>
    {
        let snapshot = try await visibleSnapshot(snapshotId, owner: owner)
        try requireCompleted(snapshot)
        let context = "list:\(snapshot.id)"
        let (start, limit) = try pageWindow(paging, context: context)
        let found = try await maps.entries(snapshot.rootNode, from: start, limit: limit + 1)
        let expiry = tokenExpiry()
        let page = found.prefix(limit).map {
            ListedBlock(index: $0.index, token: blockToken(snapshotId: snapshot.id, index: $0.index, ref: $0.ref, expiry: expiry))
        }
        let next = found.count > limit ? pageToken(found[limit].index, context: context) : nil
        return BlockListing(items: page, volumeSizeGiB: snapshot.volumeSizeGiB, expiryTime: expiry, nextToken: next)
    }

    // MARK: ListChangedBlocks

    /// A page of the indexes whose content differs between two snapshots of one lineage.
    public func listChangedBlocks(
        firstSnapshotId: String?, secondSnapshotId: String, paging: BlockListingInput, owner: Account
    ) async throws -> BlockListing<ListedChange> {
        guard let firstSnapshotId else {
            throw ServiceError(
                .missingParameter, "FirstSnapshotId must be specified together with SecondSnapshotId.")
        }
        let first = try await visibleSnapshot(firstSnapshotId, owner: owner)
        let second = try await visibleSnapshot(secondSnapshotId, owner: owner)
        try requireCompleted(first)
        try requireCompleted(second)
        guard first.lineageId == second.lineageId else {
            throw ServiceError(
                .unrelatedSnapshots, "The snapshots \(first.id) and \(second.id) are not of the same lineage.")
        }
        let context = "changed:\(first.id):\(second.id)"
        let (start, limit) = try pageWindow(paging, context: context)
        let found = try await maps.differences(first.rootNode, second.rootNode, from: start, limit: limit + 1)
        let expiry = tokenExpiry()
        let page = found.prefix(limit).map { change in
            ListedChange(
                index: change.index,
                firstToken: change.first.map { blockToken(snapshotId: first.id, index: change.index, ref: $0, expiry: expiry) },
                secondToken: change.second.map { blockToken(snapshotId: second.id, index: change.index, ref: $0, expiry: expiry) })
        }
        let next = found.count > limit ? pageToken(found[limit].index, context: context) : nil
        return BlockListing(items: page, volumeSizeGiB: second.volumeSizeGiB, expiryTime: expiry, nextToken: next)
    }

    // MARK: Tokens

    private func pageWindow(_ paging: BlockListingInput, context: String) throws -> (start: Int64, limit: Int) {
        let limit = paging.maxResults ?? Self.maxResultsRange.upperBound
        guard Self.maxResultsRange.contains(limit) else {
            throw ServiceError(.invalidParameterValue, "MaxResults must be between 100 and 10000.")
        }
        if let token = paging.nextToken {
            guard let payload = tokens.open(token, context: context), payload.count == 9, payload[0] == 1 else {
                throw ServiceError(.invalidPageToken, "The NextToken is not valid for this request.")
            }
            return (Self.readInt64(payload, at: 1), limit)
        }
        let start = paging.startingBlockIndex ?? 0
        guard start >= 0 else {
            throw ServiceError(.invalidParameterValue, "StartingBlockIndex must not be negative.")
        }
        return (start, limit)
    }

    private func pageToken(_ next: Int64, context: String) -> String {
        tokens.seal([1] + Self.bytes(of: next), context: context)
    }

    private func tokenExpiry() -> Date {
        Date(timeIntervalSince1970: (clock.now().timeIntervalSince1970 + tokenLifetime).rounded(.down))
    }

    /// Token payload: version 1 | expiry seconds (8) | kind (0 zero, 1 data) | [digest 32].
    func blockToken(snapshotId: String, index: Int64, ref: BlockRef, expiry: Date) -> String {
        var payload: [UInt8] = [1] + Self.bytes(of: Int64(expiry.timeIntervalSince1970))
        switch ref {
        case .zero: payload.append(0)
        case .data(let hash): payload += [1] + hash.bytes
        }
        return tokens.seal(payload, context: "block:\(snapshotId):\(index)")
    }

    func openBlockToken(_ token: String, snapshotId: String, index: Int64) throws -> BlockRef {
        let invalid = ServiceError(.invalidBlockToken, "The block token is not valid for this snapshot and block.")
        guard let payload = tokens.open(token, context: "block:\(snapshotId):\(index)"), payload.count >= 10,
            payload[0] == 1
        else { throw invalid }
        let expiry = Date(timeIntervalSince1970: TimeInterval(Self.readInt64(payload, at: 1)))
        guard expiry > clock.now() else {
            throw ServiceError(.invalidBlockToken, "The block token has expired; list the blocks again.")
        }
        switch (payload[9], payload.count) {
        case (0, 10): return .zero
        case (1, 42): return .data(BlockHash(bytes: Array(payload[10..<42]))!)
        default: throw invalid
        }
    }

    private static func bytes(of value: Int64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    private static func readInt64(_ bytes: [UInt8], at offset: Int) -> Int64 {
        (0..<8).reduce(Int64(0)) { $0 | Int64(bytes[offset + $1]) << (8 * $1) }
    }
}

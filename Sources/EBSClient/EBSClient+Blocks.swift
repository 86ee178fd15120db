import Foundation
import NIOCore

/// One block of a snapshot listing.
public struct SnapshotBlockEntry: Sendable, Decodable, Equatable {
    /// The block index.
    public var blockIndex: Int64
    /// The token GetSnapshotBlock needs for this block.
    public var blockToken: String

    enum CodingKeys: String, CodingKey {
        case blockIndex = "BlockIndex"
        case blockToken = "BlockToken"
    }
}

/// One page of ListSnapshotBlocks.
public struct ListSnapshotBlocksOutput: Sendable, Decodable, Equatable {
    /// The blocks of this page, in ascending index order.
    public var blocks: [SnapshotBlockEntry]
    /// The token of the next page, nil on the last one.
    public var nextToken: String?
    /// The volume size in GiB.
    public var volumeSize: Int64?
    /// The block size in bytes.
    public var blockSize: Int?

    enum CodingKeys: String, CodingKey {
        case blocks = "Blocks"
        case nextToken = "NextToken"
        case volumeSize = "VolumeSize"
        case blockSize = "BlockSize"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        blocks = try container.decodeIfPresent([SnapshotBlockEntry].self, forKey: .blocks) ?? []
        nextToken = try container.decodeIfPresent(String.self, forKey: .nextToken).flatMap { $0.isEmpty ? nil : $0 }
        volumeSize = try container.decodeIfPresent(Int64.self, forKey: .volumeSize)
        blockSize = try container.decodeIfPresent(Int.self, forKey: .blockSize)
    }
}

/// One block that differs between two snapshots.
public struct ChangedBlockEntry: Sendable, Decodable, Equatable {
    /// The block index.
    public var blockIndex: Int64
    /// The block's token in the first snapshot, nil when the first snapshot lacks the block.
    public var firstBlockToken: String?
    /// The block's token in the second snapshot, nil when the second snapshot lacks the block.
    public var secondBlockToken: String?

    enum CodingKeys: String, CodingKey {
        case blockIndex = "BlockIndex"
        case firstBlockToken = "FirstBlockToken"
        case secondBlockToken = "SecondBlockToken"
    }
}

/// One page of ListChangedBlocks.
public struct ListChangedBlocksOutput: Sendable, Decodable, Equatable {
    /// The changed blocks of this page, in ascending index order.
    public var changedBlocks: [ChangedBlockEntry]
    /// The token of the next page, nil on the last one.
    public var nextToken: String?
    /// The volume size in GiB.
    public var volumeSize: Int64?
    /// The block size in bytes.
    public var blockSize: Int?

    enum CodingKeys: String, CodingKey {
        case changedBlocks = "ChangedBlocks"
        case nextToken = "NextToken"
        case volumeSize = "VolumeSize"
        case blockSize = "BlockSize"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        changedBlocks = try container.decodeIfPresent([ChangedBlockEntry].self, forKey: .changedBlocks) ?? []
        nextToken = try container.decodeIfPresent(String.self, forKey: .nextToken).flatMap { $0.isEmpty ? nil : $0 }
        volumeSize = try container.decodeIfPresent(Int64.self, forKey: .volumeSize)
        blockSize = try container.decodeIfPresent(Int.self, forKey: .blockSize)
    }
}

/// The data of one block, already checked against its checksum.
public struct SnapshotBlockData: Sendable {
    /// The 524288 bytes.
    public var data: ByteBuffer
    /// Their SHA-256, equal to the `x-amz-Checksum` the service sent.
    public var digest: BlockDigest
}

extension EBSClient {
    /// PutSnapshotBlock: writes one 512 KiB block (201). The body goes `UNSIGNED-PAYLOAD`; the
    /// signed `x-amz-Checksum` header protects it. `progress` (0…100) sets the snapshot's progress.
    public func putSnapshotBlock(
        snapshotId: String, blockIndex: Int64, data: ByteBuffer, digest: BlockDigest, progress: Int? = nil
    ) async throws {
        var headers = [
            (name: "content-type", value: "application/octet-stream"),
            (name: "x-amz-Data-Length", value: String(data.readableBytes)),
            (name: "x-amz-Checksum", value: digest.base64),
            (name: "x-amz-Checksum-Algorithm", value: "SHA256"),
        ]
        if let progress { headers.append((name: "x-amz-Progress", value: String(min(max(progress, 0), 100)))) }
        let request = AWSRequest(
            method: .put, path: "/snapshots/\(Self.segment(snapshotId))/blocks/\(blockIndex)", headers: headers,
            body: data, payloadHash: "UNSIGNED-PAYLOAD")
        let endpoint = endpoint.description
        try await caller.send(request) { response throws(AWSClientError) in
            if let echoed = response.header("x-amz-Checksum"), !echoed.isEmpty, BlockDigest(base64: echoed) != digest {
                throw AWSClientError(
                    kind: .integrity, message: "block \(blockIndex): the service stored checksum \(echoed)",
                    endpoint: endpoint, requestId: response.requestId)
            }
        }
    }

    /// GetSnapshotBlock: reads one block and verifies it against `x-amz-Checksum` and
    /// `x-amz-Data-Length`; a mismatch is retried, then reported as an `integrity` error.
    public func getSnapshotBlock(snapshotId: String, blockIndex: Int64, blockToken: String) async throws
        -> SnapshotBlockData
    {
        let request = emptyRequest(
            .get, path: "/snapshots/\(Self.segment(snapshotId))/blocks/\(blockIndex)",
            query: [(name: "blockToken", value: blockToken)])
        let endpoint = endpoint.description
        return try await caller.send(request, maxResponseBytes: EBSBlocks.blockSize + 4096) {
            response throws(AWSClientError) in
            guard let checksum = response.header("x-amz-Checksum"), let expected = BlockDigest(base64: checksum) else {
                throw AWSClientError(
                    kind: .invalidResponse, message: "block \(blockIndex): no valid x-amz-Checksum header",
                    httpStatus: response.status, endpoint: endpoint, requestId: response.requestId)
            }
            if let algorithm = response.header("x-amz-Checksum-Algorithm"), algorithm.uppercased() != "SHA256" {
                throw AWSClientError(
                    kind: .invalidResponse, message: "block \(blockIndex): unsupported checksum algorithm \(algorithm)",
                    httpStatus: response.status, endpoint: endpoint, requestId: response.requestId)
            }
            let body = response.body
            let declared = response.header("x-amz-Data-Length").flatMap { Int($0) }
            guard declared == nil || declared == body.readableBytes else {
                throw AWSClientError(
                    kind: .integrity,
                    message: "block \(blockIndex): \(body.readableBytes) bytes, x-amz-Data-Length says \(declared!)",
                    endpoint: endpoint, requestId: response.requestId)
            }
            let actual = body.withUnsafeReadableBytes { BlockDigest(hashing: $0) }
            guard actual == expected else {
                throw AWSClientError(
                    kind: .integrity, message: "block \(blockIndex): SHA-256 \(actual.base64), expected \(checksum)",
                    endpoint: endpoint, requestId: response.requestId)
            }
            return SnapshotBlockData(data: body, digest: actual)
        }
    }

    /// ListSnapshotBlocks: one page of the blocks a snapshot holds.
    public func listSnapshotBlocks(
        snapshotId: String, maxResults: Int? = nil, startingBlockIndex: Int64? = nil, nextToken: String? = nil
    ) async throws -> ListSnapshotBlocksOutput {
        let request = emptyRequest(
            .get, path: "/snapshots/\(Self.segment(snapshotId))/blocks",
            query: Self.pageQuery(maxResults: maxResults, startingBlockIndex: startingBlockIndex, nextToken: nextToken))
        return try await caller.send(request, maxResponseBytes: 16 << 20) { response throws(AWSClientError) in
            try decode(ListSnapshotBlocksOutput.self, from: response)
        }
    }

    /// ListChangedBlocks: one page of the blocks that differ between `firstSnapshotId` and
    /// `secondSnapshotId` (all written blocks of the second when `firstSnapshotId` is nil).
    public func listChangedBlocks(
        firstSnapshotId: String?, secondSnapshotId: String, maxResults: Int? = nil, startingBlockIndex: Int64? = nil,
        nextToken: String? = nil
    ) async throws -> ListChangedBlocksOutput {
        var query = Self.pageQuery(maxResults: maxResults, startingBlockIndex: startingBlockIndex, nextToken: nextToken)
        if let firstSnapshotId { query.append((name: "firstSnapshotId", value: firstSnapshotId)) }
        let request = emptyRequest(
            .get, path: "/snapshots/\(Self.segment(secondSnapshotId))/changedblocks", query: query)
        return try await caller.send(request, maxResponseBytes: 16 << 20) { response throws(AWSClientError) in
            try decode(ListChangedBlocksOutput.self, from: response)
        }
    }

    /// Every block of a snapshot, all pages of 10000, in index order, with the volume size.
    public func listAllSnapshotBlocks(snapshotId: String) async throws -> (
        blocks: [SnapshotBlockEntry], volumeSize: Int64?
    ) {
        var blocks: [SnapshotBlockEntry] = []
        var token: String?
        var volumeSize: Int64?
        repeat {
            let page = try await listSnapshotBlocks(snapshotId: snapshotId, maxResults: 10_000, nextToken: token)
            blocks += page.blocks
            volumeSize = volumeSize ?? page.volumeSize
            token = page.nextToken
        } while token != nil
        return (blocks, volumeSize)
    }

    static func pageQuery(maxResults: Int?, startingBlockIndex: Int64?, nextToken: String?) -> [(
        name: String, value: String
    )] {
        var query: [(name: String, value: String)] = []
        if let maxResults { query.append((name: "maxResults", value: String(maxResults))) }
        if let nextToken { query.append((name: "pageToken", value: nextToken)) }
        if let startingBlockIndex { query.append((name: "startingBlockIndex", value: String(startingBlockIndex))) }
        return query
    }
}

import AWSWire
import BlockSnapCore
import Foundation
import HTTPTypes
import Hummingbird
import Services

extension EBSFrontEnd {
    /// PUT /snapshots/{snapshotId}/blocks/{blockIndex}
    func putSnapshotBlock(_ request: AWSRequest, snapshotId: String, index: String) async throws -> Response {
        let blockIndex = try Self.parseInteger(index, name: "BlockIndex")
        guard let dataLength = try Self.integerHeader(request, "x-amz-Data-Length") else {
            throw WireError.missing("DataLength (x-amz-Data-Length)")
        }
        guard let checksum = request.header("x-amz-Checksum") else { throw WireError.missing("Checksum (x-amz-Checksum)") }
        guard let algorithm = request.header("x-amz-Checksum-Algorithm") else {
            throw WireError.missing("ChecksumAlgorithm (x-amz-Checksum-Algorithm)")
        }
        let progress = try Self.integerHeader(request, "x-amz-Progress")
        guard progress.map({ (0...100).contains($0) }) ?? true else {
            throw ServiceError(.invalidParameterValue, "Progress must be between 0 and 100.")
        }
        let input = PutSnapshotBlockInput(
            snapshotId: snapshotId, blockIndex: blockIndex, data: request.body, dataLength: dataLength,
            checksum: checksum, checksumAlgorithm: algorithm, progress: progress.map { Int($0) })
        let stored = try await service.putSnapshotBlock(input, owner: request.account)
        var response = jsonResponse(.object([]), status: .created, requestId: request.requestId)
        response.headers[HTTPField.Name("x-amz-Checksum")!] = stored
        response.headers[HTTPField.Name("x-amz-Checksum-Algorithm")!] = "SHA256"
        return response
    }

    /// GET /snapshots/{snapshotId}/blocks/{blockIndex}?blockToken=
    func getSnapshotBlock(_ request: AWSRequest, snapshotId: String, index: String) async throws -> Response {
        let blockIndex = try Self.parseInteger(index, name: "BlockIndex")
        guard let token = request.queryValue("blockToken") else { throw WireError.missing("BlockToken (blockToken)") }
        let block = try await service.getSnapshotBlock(
            snapshotId: snapshotId, blockIndex: blockIndex, blockToken: token, owner: request.account)
        var headers = HTTPFields()
        headers[.contentType] = "application/octet-stream"
        headers[HTTPField.Name("x-amzn-RequestId")!] = request.requestId
        headers[HTTPField.Name("x-amz-Data-Length")!] = String(block.data.count)
        headers[HTTPField.Name("x-amz-Checksum")!] = block.checksum
        headers[HTTPField.Name("x-amz-Checksum-Algorithm")!] = "SHA256"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: block.data)))
    }

    /// GET /snapshots/{snapshotId}/blocks
    func listSnapshotBlocks(_ request: AWSRequest, snapshotId: String) async throws -> Response {
        let listing = try await service.listSnapshotBlocks(
            snapshotId: snapshotId, paging: try Self.paging(request), owner: request.account)
        let blocks = listing.items.map {
            JSONWriter.Value.object([("BlockIndex", .integer($0.index)), ("BlockToken", .string($0.token))])
        }
        return listingResponse(listing, key: "Blocks", items: blocks, requestId: request.requestId)
    }

    /// GET /snapshots/{secondSnapshotId}/changedblocks
    func listChangedBlocks(_ request: AWSRequest, secondSnapshotId: String) async throws -> Response {
        let listing = try await service.listChangedBlocks(
            firstSnapshotId: request.queryValue("firstSnapshotId"), secondSnapshotId: secondSnapshotId,
            paging: try Self.paging(request), owner: request.account)
        let changes = listing.items.map {
            JSONWriter.Value.object([
                ("BlockIndex", .integer($0.index)),
                ("FirstBlockToken", $0.firstToken.map { .string($0) }),
                ("SecondBlockToken", $0.secondToken.map { .string($0) }),
            ])
        }
        return listingResponse(listing, key: "ChangedBlocks", items: changes, requestId: request.requestId)
    }

    private func listingResponse<Item>(
        _ listing: BlockListing<Item>, key: String, items: [JSONWriter.Value], requestId: String
    ) -> Response {
        jsonResponse(
            .object([
                (key, .array(items)),
                ("ExpiryTime", .double(Self.epoch(listing.expiryTime))),
                ("VolumeSize", .integer(listing.volumeSizeGiB)),
                ("BlockSize", .integer(Int64(BlockGeometry.blockSize))),
                ("NextToken", listing.nextToken.map { .string($0) }),
            ]), status: .ok, requestId: requestId)
    }

    private static func paging(_ request: AWSRequest) throws -> BlockListingInput {
        let maxResults = try integerQuery(request, "maxResults")
        guard maxResults.map({ Int(exactly: $0) != nil }) ?? true else {
            throw ServiceError(.invalidParameterValue, "MaxResults must be between 100 and 10000.")
        }
        return BlockListingInput(
            maxResults: maxResults.map { Int($0) }, nextToken: request.queryValue("pageToken"),
            startingBlockIndex: try integerQuery(request, "startingBlockIndex"))
    }
}

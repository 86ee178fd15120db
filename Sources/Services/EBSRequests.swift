import BlockSnapCore
import Foundation

/// Parameters of StartSnapshot after wire decoding, before validation.
public struct StartSnapshotInput: Sendable, Equatable {
    public var volumeSizeGiB: Int64
    public var parentSnapshotId: String?
    public var tags: [Tag]
    public var description: String?
    public var clientToken: String?
    public var encrypted: Bool?
    public var kmsKeyArn: String?
    public var timeoutMinutes: Int?

    /// Creates the input.
    public init(
        volumeSizeGiB: Int64, parentSnapshotId: String? = nil, tags: [Tag] = [], description: String? = nil,
        clientToken: String? = nil, encrypted: Bool? = nil, kmsKeyArn: String? = nil, timeoutMinutes: Int? = nil
    ) {
        self.volumeSizeGiB = volumeSizeGiB
        self.parentSnapshotId = parentSnapshotId
        self.tags = tags
        self.description = description
        self.clientToken = clientToken
        self.encrypted = encrypted
        self.kmsKeyArn = kmsKeyArn
        self.timeoutMinutes = timeoutMinutes
    }

    /// A digest of every parameter except the client token, to detect conflicting reuse.
    var fingerprint: String {
        var parts = ["\(volumeSizeGiB)", parentSnapshotId ?? "", description ?? "", "\(encrypted ?? false)",
            kmsKeyArn ?? "", "\(timeoutMinutes ?? EBSSnapshotService.defaultTimeoutMinutes)"]
        parts += tags.map { "\($0.key.utf8.count):\($0.key)=\($0.value)" }
        return BlockHashing.sha256Hex(Array(parts.joined(separator: "\u{0}").utf8))
    }
}

/// Parameters of PutSnapshotBlock after wire decoding.
public struct PutSnapshotBlockInput: Sendable {
    public var snapshotId: String
    public var blockIndex: Int64
    public var data: [UInt8]
    public var dataLength: Int64
    public var checksum: String
    public var checksumAlgorithm: String
    public var progress: Int?

    /// Creates the input.
    public init(
        snapshotId: String, blockIndex: Int64, data: [UInt8], dataLength: Int64, checksum: String,
        checksumAlgorithm: String, progress: Int?
    ) {
        self.snapshotId = snapshotId
        self.blockIndex = blockIndex
        self.data = data
        self.dataLength = dataLength
        self.checksum = checksum
        self.checksumAlgorithm = checksumAlgorithm
        self.progress = progress
    }
}

/// Parameters of CompleteSnapshot after wire decoding.
public struct CompleteSnapshotInput: Sendable {
    public var snapshotId: String
    public var changedBlocksCount: Int64
    public var checksum: String?
    public var checksumAlgorithm: String?
    public var checksumAggregationMethod: String?

    /// Creates the input.
    public init(
        snapshotId: String, changedBlocksCount: Int64, checksum: String? = nil, checksumAlgorithm: String? = nil,
        checksumAggregationMethod: String? = nil
    ) {
        self.snapshotId = snapshotId
        self.changedBlocksCount = changedBlocksCount
        self.checksum = checksum
        self.checksumAlgorithm = checksumAlgorithm
        self.checksumAggregationMethod = checksumAggregationMethod
    }
}

/// Paging parameters shared by the two listing operations.
public struct BlockListingInput: Sendable {
    public var maxResults: Int?
    public var nextToken: String?
    public var startingBlockIndex: Int64?

    /// Creates the input.
    public init(maxResults: Int? = nil, nextToken: String? = nil, startingBlockIndex: Int64? = nil) {
        self.maxResults = maxResults
        self.nextToken = nextToken
        self.startingBlockIndex = startingBlockIndex
    }
}

/// One listed block with its token.
public struct ListedBlock: Sendable, Equatable {
    public var index: Int64
    public var token: String
}

/// One changed block with the tokens of its two versions (nil where a snapshot has none).
public struct ListedChange: Sendable, Equatable {
    public var index: Int64
    public var firstToken: String?
    public var secondToken: String?
}

/// A page of a listing.
public struct BlockListing<Item: Sendable>: Sendable {
    public var items: [Item]
    public var volumeSizeGiB: Int64
    public var expiryTime: Date
    public var nextToken: String?
}

/// A block read back, verified.
public struct FetchedBlock: Sendable {
    public var data: [UInt8]
    public var checksum: String
}

import Foundation

/// The input of StartSnapshot (POST /snapshots).
public struct StartSnapshotInput: Sendable, Encodable, Equatable {
    /// The volume size in GiB (1 … 65536).
    public var volumeSize: Int64
    /// A snapshot whose blocks the new one starts with.
    public var parentSnapshotId: String?
    /// A description of up to 255 characters.
    public var description: String?
    /// Makes retries of the same call return the same snapshot.
    public var clientToken: String?
    /// Minutes until a pending snapshot is cancelled (10 … 4320, default 60).
    public var timeout: Int?

    /// Creates the input.
    public init(
        volumeSize: Int64, parentSnapshotId: String? = nil, description: String? = nil, clientToken: String? = nil,
        timeout: Int? = nil
    ) {
        self.volumeSize = volumeSize
        self.parentSnapshotId = parentSnapshotId
        self.description = description
        self.clientToken = clientToken
        self.timeout = timeout
    }

    enum CodingKeys: String, CodingKey {
        case volumeSize = "VolumeSize"
        case parentSnapshotId = "ParentSnapshotId"
        case description = "Description"
        case clientToken = "ClientToken"
        case timeout = "Timeout"
    }
}

/// The answer of StartSnapshot.
public struct StartSnapshotOutput: Sendable, Decodable, Equatable {
    /// The new snapshot's id.
    public var snapshotId: String
    /// `pending` for a new snapshot.
    public var status: String?
    /// The block size in bytes; always 524288 on AWS and blocksnap.
    public var blockSize: Int?
    /// The volume size in GiB.
    public var volumeSize: Int64?
    /// The parent, when one was given.
    public var parentSnapshotId: String?
    /// The owning account.
    public var ownerId: String?

    enum CodingKeys: String, CodingKey {
        case snapshotId = "SnapshotId"
        case status = "Status"
        case blockSize = "BlockSize"
        case volumeSize = "VolumeSize"
        case parentSnapshotId = "ParentSnapshotId"
        case ownerId = "OwnerId"
    }
}

private struct CompleteSnapshotOutput: Decodable {
    var status: String?
    enum CodingKeys: String, CodingKey { case status = "Status" }
}

extension EBSClient {
    /// StartSnapshot: creates a pending snapshot (201).
    public func startSnapshot(_ input: StartSnapshotInput) async throws -> StartSnapshotOutput {
        let request = try jsonRequest(.post, path: "/snapshots", body: input)
        return try await caller.send(request) { response throws(AWSClientError) in
            try decode(StartSnapshotOutput.self, from: response)
        }
    }

    /// CompleteSnapshot: seals a snapshot after `changedBlocksCount` distinct blocks were written
    /// (202). `linearChecksum` is the `LINEAR` SHA-256 aggregate of the written blocks' digests.
    /// Returns the snapshot's status (`completed`, or `pending` while AWS finishes it).
    public func completeSnapshot(
        snapshotId: String, changedBlocksCount: Int, linearChecksum: BlockDigest?
    ) async throws -> String {
        var headers = [(name: "x-amz-ChangedBlocksCount", value: String(changedBlocksCount))]
        if let linearChecksum {
            headers += [
                (name: "x-amz-Checksum", value: linearChecksum.base64),
                (name: "x-amz-Checksum-Algorithm", value: "SHA256"),
                (name: "x-amz-Checksum-Aggregation-Method", value: "LINEAR"),
            ]
        }
        let request = emptyRequest(.post, path: "/snapshots/completion/\(Self.segment(snapshotId))", headers: headers)
        return try await caller.send(request) { response throws(AWSClientError) in
            try decode(CompleteSnapshotOutput.self, from: response).status ?? "pending"
        }
    }
}

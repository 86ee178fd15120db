import AWSWire
import BlockSnapCore
import Foundation
import Hummingbird
import Services

extension EBSFrontEnd {
    /// POST /snapshots
    func startSnapshot(_ request: AWSRequest) async throws -> Response {
        let body = try JSONObject(bytes: request.body)
        guard let volumeSize = try body.integer("VolumeSize") else { throw WireError.missing("VolumeSize") }
        var tags: [Tag] = []
        for item in try body.objects("Tags") ?? [] {
            tags.append(Tag(key: try item.string("Key") ?? "", value: try item.string("Value") ?? ""))
        }
        let timeout = try body.integer("Timeout")
        guard timeout.map({ Int(exactly: $0) != nil }) ?? true else { throw WireError.invalidValue("Timeout", "\(timeout!)") }
        let input = StartSnapshotInput(
            volumeSizeGiB: volumeSize, parentSnapshotId: try body.string("ParentSnapshotId"), tags: tags,
            description: try body.string("Description"), clientToken: try body.string("ClientToken"),
            encrypted: try body.boolean("Encrypted"), kmsKeyArn: try body.string("KmsKeyArn"),
            timeoutMinutes: timeout.map { Int($0) })
        let snapshot = try await service.startSnapshot(input, owner: request.account)
        return jsonResponse(
            .object([
                ("SnapshotId", .string(snapshot.id)),
                ("OwnerId", .string(snapshot.ownerId)),
                ("Status", .string(snapshot.status.rawValue)),
                ("StartTime", .double(Self.epoch(snapshot.startTime))),
                ("VolumeSize", .integer(snapshot.volumeSizeGiB)),
                ("BlockSize", .integer(Int64(BlockGeometry.blockSize))),
                ("Description", snapshot.description.map { .string($0) }),
                ("ParentSnapshotId", snapshot.parentId.map { .string($0) }),
                ("Tags", snapshot.tags.isEmpty ? nil : .array(snapshot.tags.map { Self.tagValue($0) })),
                ("SseType", .string("none")),
            ]), status: .created, requestId: request.requestId)
    }

    /// POST /snapshots/completion/{snapshotId}
    func completeSnapshot(_ request: AWSRequest, snapshotId: String) async throws -> Response {
        guard let count = try Self.integerHeader(request, "x-amz-ChangedBlocksCount") else {
            throw WireError.missing("ChangedBlocksCount (x-amz-ChangedBlocksCount)")
        }
        let input = CompleteSnapshotInput(
            snapshotId: snapshotId, changedBlocksCount: count, checksum: request.header("x-amz-Checksum"),
            checksumAlgorithm: request.header("x-amz-Checksum-Algorithm"),
            checksumAggregationMethod: request.header("x-amz-Checksum-Aggregation-Method"))
        let snapshot = try await service.completeSnapshot(input, owner: request.account)
        return jsonResponse(
            .object([("Status", .string(snapshot.status.rawValue))]), status: .accepted, requestId: request.requestId)
    }

    static func tagValue(_ tag: Tag) -> JSONWriter.Value {
        .object([("Key", .string(tag.key)), ("Value", .string(tag.value))])
    }

    /// Seconds since 1970 at millisecond precision, the REST-JSON timestamp form.
    static func epoch(_ date: Date) -> Double {
        (date.timeIntervalSince1970 * 1000).rounded() / 1000
    }

    static func integerHeader(_ request: AWSRequest, _ name: String) throws(WireError) -> Int64? {
        guard let text = request.header(name) else { return nil }
        return try parseInteger(text, name: name)
    }

    static func integerQuery(_ request: AWSRequest, _ name: String) throws(WireError) -> Int64? {
        guard let text = request.queryValue(name) else { return nil }
        return try parseInteger(text, name: name)
    }

    static func parseInteger(_ text: String, name: String) throws(WireError) -> Int64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let value = Int64(trimmed) else { throw WireError.invalidValue(name, text) }
        return value
    }
}

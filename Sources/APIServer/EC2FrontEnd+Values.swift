import AWSWire
import BlockSnapCore
import Foundation
import Services

/// Decoding helpers shared by the EC2 handlers, and renderings of the common output shapes.
extension EC2FrontEnd {
    /// Tags from `TagSpecifications` for one resource type.
    static func tags(_ input: EC2Value, for resourceType: String) throws -> [Tag] {
        var result: [Tag] = []
        for specification in try input.list("TagSpecifications") {
            let type = try specification.string("ResourceType")
            guard type == nil || type == resourceType else {
                throw ServiceError(
                    .invalidParameterValue,
                    "'\(type!)' is not a valid taggable resource type for this operation; use '\(resourceType)'.")
            }
            result += try tagList(specification, "Tags")
        }
        return result
    }

    static func tagList(_ value: EC2Value, _ member: String) throws -> [Tag] {
        try value.list(member).map { Tag(key: try $0.string("Key") ?? "", value: try $0.string("Value") ?? "") }
    }

    static func filters(_ input: EC2Value) throws -> [ResourceFilter] {
        try input.list("Filters").map { ResourceFilter(name: try $0.requiredString("Name"), values: try $0.strings("Values")) }
    }

    static func int64(_ value: Int?) -> Int64? { value.map(Int64.init) }

    static func tagValues(_ tags: [Tag]) -> EC2Value? {
        tags.isEmpty ? nil : .list(tags.map { .object(["Key": .string($0.key), "Value": .string($0.value)]) })
    }

    /// The `Snapshot` shape (State renders as `<status>`).
    static func snapshotValue(_ snapshot: SnapshotRecord) -> EC2Value {
        // Built directly (not through `.object`): DescribeSnapshots renders thousands of these.
        var members: [String: EC2Value] = [:]
        members.reserveCapacity(16)
        members["SnapshotId"] = .string(snapshot.id)
        members["VolumeId"] = .string(snapshot.volumeId ?? "vol-ffffffff")
        members["State"] = .string(snapshot.status.rawValue)
        if snapshot.status == .error, let message = snapshot.statusMessage { members["StateMessage"] = .string(message) }
        members["StartTime"] = .timestamp(snapshot.startTime)
        members["Progress"] = .string(EC2SnapshotService.progressText(snapshot))
        members["OwnerId"] = .string(snapshot.ownerId)
        members["Description"] = .string(snapshot.description ?? "")
        members["VolumeSize"] = .integer(Int(snapshot.volumeSizeGiB))
        members["Encrypted"] = .boolean(snapshot.encrypted)
        if let kmsKeyId = snapshot.kmsKeyId { members["KmsKeyId"] = .string(kmsKeyId) }
        if let tags = tagValues(snapshot.tags) { members["Tags"] = tags }
        members["StorageTier"] = .string("standard")
        if let completionTime = snapshot.completionTime { members["CompletionTime"] = .timestamp(completionTime) }
        if let transferType = snapshot.transferType { members["TransferType"] = .string(transferType.rawValue) }
        if let minutes = snapshot.completionDurationMinutes { members["CompletionDurationMinutes"] = .integer(minutes) }
        return .structure(members)
    }

    /// The `VolumeAttachment` shape.
    static func attachmentValue(volumeId: String, _ attachment: VolumeAttachmentRecord, state: String) -> EC2Value {
        .object([
            "VolumeId": .string(volumeId),
            "InstanceId": .string(attachment.instanceId),
            "Device": .string(attachment.device),
            "State": .string(state),
            "AttachTime": .timestamp(attachment.attachTime),
            "DeleteOnTermination": .boolean(attachment.deleteOnTermination),
        ])
    }

    /// The `Volume` shape, with `state` as shown on the wire.
    static func volumeValue(_ volume: VolumeRecord, state: String? = nil) -> EC2Value {
        .object([
            "VolumeId": .string(volume.id),
            "Size": .integer(Int(volume.sizeGiB)),
            "SnapshotId": .string(volume.snapshotId ?? ""),
            "AvailabilityZone": .string(volume.availabilityZone),
            "AvailabilityZoneId": .string(AvailabilityZoneId.of(zone: volume.availabilityZone)),
            "State": .string(state ?? volume.state.rawValue),
            "CreateTime": .timestamp(volume.createTime),
            "Attachments": .list(volume.attachment.map { [attachmentValue(volumeId: volume.id, $0, state: "attached")] } ?? []),
            "Encrypted": .boolean(volume.encrypted),
            "KmsKeyId": volume.kmsKeyId.map { .string($0) },
            "VolumeType": .string(volume.volumeType),
            "Iops": volume.iops.map { .integer($0) },
            "Throughput": volume.throughput.map { .integer($0) },
            "Tags": tagValues(volume.tags),
            "MultiAttachEnabled": .boolean(volume.multiAttachEnabled),
        ])
    }
}

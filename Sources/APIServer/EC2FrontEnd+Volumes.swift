import AWSWire
import BlockSnapCore
import Services

extension EC2FrontEnd {
    static let volumeHandlers: [String: Handler] = [
        "CreateVolume": { fe, input, owner in
            let volume = try await fe.volumes.createVolume(
                CreateVolumeInput(
                    sizeGiB: int64(try input.int("Size")), snapshotId: try input.string("SnapshotId"),
                    availabilityZone: try input.string("AvailabilityZone"), volumeType: try input.string("VolumeType"),
                    iops: try input.int("Iops"), throughput: try input.int("Throughput"),
                    tags: try tags(input, for: "volume"), clientToken: try input.string("ClientToken"),
                    encrypted: try input.bool("Encrypted"), kmsKeyId: try input.string("KmsKeyId"),
                    dryRun: try input.bool("DryRun"), availabilityZoneId: try input.string("AvailabilityZoneId"),
                    multiAttachEnabled: try input.bool("MultiAttachEnabled"),
                    volumeInitializationRate: try input.int("VolumeInitializationRate")),
                owner: owner)
            return volumeValue(volume, state: "creating")
        },
        "DescribeVolumes": { fe, input, owner in
            let page = try await fe.volumes.describeVolumes(
                ids: try input.strings("VolumeIds"), filters: try filters(input), maxResults: try input.int("MaxResults"),
                nextToken: try input.string("NextToken"), owner: owner)
            return .object([
                "Volumes": .list(
                    page.volumes.map { volumeValue($0) }),
                "NextToken": page.nextToken.map { .string($0) },
            ])
        },
        "DeleteVolume": { fe, input, owner in
            try await fe.volumes.deleteVolume(try input.requiredString("VolumeId"), dryRun: try input.bool("DryRun"), owner: owner)
            return nil
        },
        "AttachVolume": { fe, input, owner in
            let volume = try await fe.instances.attachVolume(
                try input.requiredString("VolumeId"), instanceId: try input.requiredString("InstanceId"),
                device: try input.requiredString("Device"), dryRun: try input.bool("DryRun"), owner: owner)
            return attachmentValue(volumeId: volume.id, volume.attachment!, state: "attaching")
        },
        "DetachVolume": { fe, input, owner in
            let (volume, attachment) = try await fe.instances.detachVolume(
                try input.requiredString("VolumeId"), instanceId: try input.string("InstanceId"),
                device: try input.string("Device"), dryRun: try input.bool("DryRun"), owner: owner)
            return attachmentValue(volumeId: volume.id, attachment, state: "detaching")
        },
        "ModifyVolume": { fe, input, owner in
            let (before, after) = try await fe.volumes.modifyVolume(
                try input.requiredString("VolumeId"), sizeGiB: int64(try input.int("Size")),
                volumeType: try input.string("VolumeType"), iops: try input.int("Iops"),
                throughput: try input.int("Throughput"), multiAttachEnabled: try input.bool("MultiAttachEnabled"),
                dryRun: try input.bool("DryRun"), owner: owner)
            let now = fe.snapshots.now
            return .object([
                "VolumeModification": .object([
                    "VolumeId": .string(after.id),
                    "ModificationState": .string("completed"),
                    "TargetSize": .integer(Int(after.sizeGiB)),
                    "TargetIops": after.iops.map { .integer($0) },
                    "TargetVolumeType": .string(after.volumeType),
                    "TargetThroughput": after.throughput.map { .integer($0) },
                    "OriginalSize": .integer(Int(before.sizeGiB)),
                    "OriginalIops": before.iops.map { .integer($0) },
                    "OriginalVolumeType": .string(before.volumeType),
                    "OriginalThroughput": before.throughput.map { .integer($0) },
                    "TargetMultiAttachEnabled": .boolean(after.multiAttachEnabled),
                    "OriginalMultiAttachEnabled": .boolean(before.multiAttachEnabled),
                    "Progress": .integer(100),
                    "StartTime": .timestamp(now),
                    "EndTime": .timestamp(now),
                ])
            ])
        },
    ]
}

import AWSWire
import BlockSnapCore
import Services

extension EC2FrontEnd {
    static let snapshotHandlers: [String: Handler] = [
        "CreateSnapshot": { fe, input, owner in
            let snapshot = try await fe.snapshots.createSnapshot(
                volumeId: try input.requiredString("VolumeId"), description: try input.string("Description"),
                tags: try tags(input, for: "snapshot"), outpostArn: try input.string("OutpostArn"),
                location: try input.string("Location"), dryRun: try input.bool("DryRun"), owner: owner)
            return snapshotValue(snapshot)
        },
        "CreateSnapshots": { fe, input, owner in
            let specification = try input.requiredStructure("InstanceSpecification")
            let copy = try input.string("CopyTagsFromSource")
            let created = try await fe.snapshots.createSnapshots(
                InstanceSpecificationInput(
                    instanceId: try specification.requiredString("InstanceId"),
                    excludeBootVolume: try specification.bool("ExcludeBootVolume") ?? false,
                    excludeDataVolumeIds: try specification.strings("ExcludeDataVolumeIds")),
                description: try input.string("Description"), tags: try tags(input, for: "snapshot"),
                copyTagsFromVolume: copy == "volume", outpostArn: try input.string("OutpostArn"),
                location: try input.string("Location"), dryRun: try input.bool("DryRun"), owner: owner)
            return .object([
                "Snapshots": .list(
                    created.map { snapshot in
                        .object([
                            "SnapshotId": .string(snapshot.id),
                            "VolumeId": .string(snapshot.volumeId ?? ""),
                            "State": .string(snapshot.status.rawValue),
                            "StartTime": .timestamp(snapshot.startTime),
                            "Progress": .string(EC2SnapshotService.progressText(snapshot)),
                            "OwnerId": .string(snapshot.ownerId),
                            "Description": .string(snapshot.description ?? ""),
                            "VolumeSize": .integer(Int(snapshot.volumeSizeGiB)),
                            "Encrypted": .boolean(snapshot.encrypted),
                            "Tags": tagValues(snapshot.tags),
                        ])
                    })
            ])
        },
        "DescribeSnapshots": { fe, input, owner in
            let lookup = fe.snapshotFragments.pageLookup()
            let page = try await fe.snapshots.describeSnapshots(
                DescribeSnapshotsInput(
                    snapshotIds: try input.strings("SnapshotIds"), ownerIds: try input.strings("OwnerIds"),
                    restorableByUserIds: try input.strings("RestorableByUserIds"), filters: try filters(input),
                    maxResults: try input.int("MaxResults"), nextToken: try input.string("NextToken")),
                owner: owner, known: lookup.isKnown)
            let encoder = fe.encoder
            let fragments = try await fe.snapshotFragments.fragments(for: page.snapshots, lookup: lookup) {
                record throws(EC2EncodingError) in
                try encoder.fragment(of: snapshotValue(record), shape: "Snapshot")
            }
            return .object([
                "Snapshots": .list(fragments.map { .fragment($0) }),
                "NextToken": page.nextToken.map { .string($0) },
            ])
        },
        "DeleteSnapshot": { fe, input, owner in
            try await fe.snapshots.deleteSnapshot(try input.requiredString("SnapshotId"), dryRun: try input.bool("DryRun"), owner: owner)
            return nil
        },
        "CopySnapshot": { fe, input, owner in
            let tags = try tags(input, for: "snapshot")
            let copy = try await fe.snapshots.copySnapshot(
                sourceSnapshotId: try input.requiredString("SourceSnapshotId"),
                sourceRegion: try input.requiredString("SourceRegion"), description: try input.string("Description"),
                tags: tags, encrypted: try input.bool("Encrypted"), kmsKeyId: try input.string("KmsKeyId"),
                options: EC2SnapshotService.CopyOptions(
                    destinationOutpostArn: try input.string("DestinationOutpostArn"),
                    destinationAvailabilityZone: try input.string("DestinationAvailabilityZone"),
                    completionDurationMinutes: try input.int("CompletionDurationMinutes")),
                dryRun: try input.bool("DryRun"), owner: owner)
            return .object(["SnapshotId": .string(copy.id), "Tags": tagValues(tags)])
        },
        "DescribeSnapshotAttribute": { fe, input, owner in
            let (snapshot, attribute) = try await fe.snapshots.describeAttribute(
                try input.requiredString("SnapshotId"), attribute: try input.requiredString("Attribute"),
                dryRun: try input.bool("DryRun"), owner: owner)
            switch attribute {
            case .createVolumePermission:
                return .object([
                    "SnapshotId": .string(snapshot.id),
                    "CreateVolumePermissions": .list(snapshot.createVolumePermissions.map { .object(["UserId": .string($0)]) }),
                ])
            case .productCodes:
                return .object([
                    "SnapshotId": .string(snapshot.id),
                    "ProductCodes": .list(
                        snapshot.productCodes.map { .object(["ProductCodeId": .string($0), "ProductCodeType": .string("marketplace")]) }),
                ])
            }
        },
        "ModifySnapshotAttribute": { fe, input, owner in
            let snapshotId = try input.requiredString("SnapshotId")
            if let attribute = try input.string("Attribute"), attribute != "createVolumePermission" {
                throw ServiceError(.invalidParameterValue, "Value (\(attribute)) for parameter attribute is invalid.")
            }
            var add: [String] = []
            var remove: [String] = []
            var addGroups: [String] = []
            var removeGroups: [String] = []
            if let permission = try input.structure("CreateVolumePermission") {
                for item in try permission.list("Add") {
                    if let user = try item.string("UserId") { add.append(user) }
                    if let group = try item.string("Group") { addGroups.append(group) }
                }
                for item in try permission.list("Remove") {
                    if let user = try item.string("UserId") { remove.append(user) }
                    if let group = try item.string("Group") { removeGroups.append(group) }
                }
            }
            let users = try input.strings("UserIds")
            let groups = try input.strings("GroupNames")
            switch try input.string("OperationType") {
            case "add":
                add += users
                addGroups += groups
            case "remove":
                remove += users
                removeGroups += groups
            case nil where users.isEmpty && groups.isEmpty: break
            default: throw ServiceError(.missingParameter, "The request must contain the parameter OperationType")
            }
            try await fe.snapshots.modifyCreateVolumePermission(
                snapshotId, add: add, remove: remove, addGroups: addGroups, removeGroups: removeGroups,
                dryRun: try input.bool("DryRun"), owner: owner)
            return nil
        },
        "ResetSnapshotAttribute": { fe, input, owner in
            try await fe.snapshots.resetCreateVolumePermission(
                try input.requiredString("SnapshotId"), attribute: try input.requiredString("Attribute"),
                dryRun: try input.bool("DryRun"), owner: owner)
            return nil
        },
    ]
}

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
            let request = DescribeSnapshotsInput(
                snapshotIds: try input.strings("SnapshotIds"), ownerIds: try input.strings("OwnerIds"),
                restorableByUserIds: try input.strings("RestorableByUserIds"), filters: try filters(input),
                maxResults: try input.int("MaxResults"), nextToken: try input.string("NextToken"))
            let (fragments, nextToken) = try await fe.describeSnapshotFragments(request, owner: owner)
            // A paginator asks for the next page once it has parsed this one (boto3: ~150 µs per
            // snapshot): meanwhile the next page is read, and whatever of it changed since it was
            // last listed is rendered, so that page is answered from the cache. For a page that
            // is already cached this costs one catalog scan of (id, revision), in the background.
            if let nextToken, fragments.count >= Self.readAheadMinimumPage {
                var following = request
                following.nextToken = nextToken
                let next = following
                fe.snapshotReadAhead.start { _ = try? await fe.describeSnapshotFragments(next, owner: owner) }
            }
            return .object([
                "Snapshots": .list(fragments.map { .fragment($0) }),
                "NextToken": nextToken.map { .string($0) },
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

extension EC2FrontEnd {
    /// One DescribeSnapshots page as rendered `Snapshot` fragments, reading and rendering only
    /// the snapshots the fragment cache lacks at their current revision; with the page's next
    /// token.
    func describeSnapshotFragments(_ request: DescribeSnapshotsInput, owner: Account) async throws
        -> (fragments: [EC2Fragment], nextToken: String?)
    {
        let lookup = snapshotFragments.pageLookup(viewer: owner.id)
        let page = try await snapshots.describeSnapshots(request, owner: owner, known: lookup.isKnown)
        let encoder = self.encoder
        let fragments = try await snapshotFragments.fragments(for: page.snapshots, lookup: lookup) {
            record throws(EC2EncodingError) in
            try encoder.fragment(of: Self.snapshotValue(record), shape: "Snapshot")
        }
        return (fragments, page.nextToken)
    }

    /// Pages smaller than this are not read ahead: rendering 100 snapshots afresh takes well
    /// under a millisecond.
    static let readAheadMinimumPage = 100
}

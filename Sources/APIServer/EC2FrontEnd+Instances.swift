import AWSWire
import BlockSnapCore
import Services

extension EC2FrontEnd {
    static let instanceHandlers: [String: Handler] = [
        "RunInstances": { fe, input, owner in
            let mappings = try input.list("BlockDeviceMappings").map(blockDeviceMapping)
            try validateTagResourceTypes(input, allowed: ["instance", "volume"])
            let placement = try input.structure("Placement")
            let views = try await fe.instances.runInstances(
                RunInstancesInput(
                    imageId: try input.string("ImageId"), minCount: try input.requiredInt("MinCount"),
                    maxCount: try input.requiredInt("MaxCount"), instanceType: try input.string("InstanceType"),
                    availabilityZone: try placement?.string("AvailabilityZone"), mappings: mappings,
                    instanceTags: try tags(input, forAny: "instance"), volumeTags: try tags(input, forAny: "volume"),
                    clientToken: try input.string("ClientToken"), dryRun: try input.bool("DryRun"),
                    availabilityZoneId: try placement?.string("AvailabilityZoneId")),
                owner: owner)
            return reservationValue(views, owner: owner.id)
        },
        "DescribeInstances": { fe, input, owner in
            let page = try await fe.instances.describeInstances(
                ids: try input.strings("InstanceIds"), filters: try filters(input),
                maxResults: try input.int("MaxResults"), nextToken: try input.string("NextToken"), owner: owner)
            let grouped = Dictionary(grouping: page.instances, by: \.instance.reservationId)
            let reservations = grouped.keys.sorted().map { reservationValue(grouped[$0]!, owner: owner.id) }
            return .object(["Reservations": .list(reservations), "NextToken": page.nextToken.map { .string($0) }])
        },
        "TerminateInstances": { fe, input, owner in
            try await stateChanges(fe, input, owner, .terminate, member: "TerminatingInstances")
        },
        "StopInstances": { fe, input, owner in
            try await stateChanges(fe, input, owner, .stop, member: "StoppingInstances")
        },
        "StartInstances": { fe, input, owner in
            try await stateChanges(fe, input, owner, .start, member: "StartingInstances")
        },
    ]

    private static func stateChanges(
        _ fe: EC2FrontEnd, _ input: EC2Value, _ owner: Account, _ transition: InstanceService.Transition, member: String
    ) async throws -> EC2Value {
        let changes = try await fe.instances.transition(
            try input.strings("InstanceIds"), to: transition, dryRun: try input.bool("DryRun"), owner: owner)
        return .object([
            member: .list(
                changes.map {
                    .object([
                        "InstanceId": .string($0.instanceId),
                        "CurrentState": stateValue($0.current),
                        "PreviousState": stateValue($0.previous),
                    ])
                })
        ])
    }

    /// One BlockDeviceMapping: exactly one of Ebs, NoDevice and VirtualName (a bare device name
    /// is an EBS volume with the defaults).
    private static func blockDeviceMapping(_ mapping: EC2Value) throws -> BlockDeviceMappingInput {
        let device = try mapping.requiredString("DeviceName")
        let ebs = try mapping.structure("Ebs")
        let noDevice = try mapping.string("NoDevice") != nil
        let virtualName = try mapping.string("VirtualName")
        guard [ebs != nil, noDevice, virtualName != nil].filter({ $0 }).count <= 1 else {
            throw ServiceError(
                .invalidParameterCombination,
                "The block device mapping for \(device) may specify only one of Ebs, NoDevice and VirtualName.")
        }
        return BlockDeviceMappingInput(
            deviceName: device, volumeSizeGiB: int64(try ebs?.int("VolumeSize")),
            snapshotId: try ebs?.string("SnapshotId"), volumeType: try ebs?.string("VolumeType"),
            iops: try ebs?.int("Iops"), throughput: try ebs?.int("Throughput"),
            deleteOnTermination: try ebs?.bool("DeleteOnTermination"), encrypted: try ebs?.bool("Encrypted"),
            noDevice: noDevice, virtualName: virtualName)
    }

    /// Refuses a TagSpecification without a ResourceType (its tags could go to either kind of
    /// resource) or with one the operation cannot tag.
    static func validateTagResourceTypes(_ input: EC2Value, allowed: Set<String>) throws {
        for specification in try input.list("TagSpecifications") {
            guard let type = try specification.string("ResourceType") else {
                throw ServiceError(.invalidParameterValue, "Tag specification resource type must have a value.")
            }
            guard !allowed.contains(type) else { continue }
            throw ServiceError(
                .invalidParameterValue,
                "'\(type)' is not a valid taggable resource type for this operation; this server tags only "
                    + allowed.sorted().map { "'\($0)'" }.joined(separator: " and ") + " here.")
        }
    }

    /// Tags of TagSpecifications whose ResourceType is `type` (`validateTagResourceTypes` refuses
    /// the types the operation cannot tag).
    static func tags(_ input: EC2Value, forAny type: String) throws -> [Tag] {
        try input.list("TagSpecifications").filter { try $0.string("ResourceType") == type }.flatMap { try tagList($0, "Tags") }
    }

    static func stateValue(_ state: InstanceState) -> EC2Value {
        .object(["Code": .integer(state.code), "Name": .string(state.rawValue)])
    }

    static func reservationValue(_ views: [InstanceView], owner: String) -> EC2Value {
        .object([
            "ReservationId": .string(views.first?.instance.reservationId ?? ""),
            "OwnerId": .string(owner),
            "Instances": .list(views.enumerated().map { position, view in instanceValue(view, launchIndex: position) }),
        ])
    }

    static func instanceValue(_ view: InstanceView, launchIndex: Int) -> EC2Value {
        let instance = view.instance
        return .object([
            "InstanceId": .string(instance.id),
            "ImageId": .string(instance.imageId),
            "State": stateValue(instance.state),
            "InstanceType": .string(instance.instanceType),
            "LaunchTime": .timestamp(instance.launchTime),
            "Placement": .object([
                "AvailabilityZone": .string(instance.availabilityZone),
                "AvailabilityZoneId": .string(AvailabilityZoneId.of(zone: instance.availabilityZone)),
            ]),
            "RootDeviceName": .string(instance.rootDeviceName),
            "RootDeviceType": .string("ebs"),
            "AmiLaunchIndex": .integer(launchIndex),
            "Tags": tagValues(instance.tags),
            "BlockDeviceMappings": .list(
                view.volumes.compactMap { volume in
                    volume.attachment.map { attachment in
                        .object([
                            "DeviceName": .string(attachment.device),
                            "Ebs": .object([
                                "VolumeId": .string(volume.id),
                                "Status": .string("attached"),
                                "AttachTime": .timestamp(attachment.attachTime),
                                "DeleteOnTermination": .boolean(attachment.deleteOnTermination),
                            ]),
                        ])
                    }
                }),
        ])
    }
}

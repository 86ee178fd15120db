import BlockSnapCore
import Foundation

/// One block device mapping of RunInstances.
public struct BlockDeviceMappingInput: Sendable {
    public var deviceName: String
    public var volumeSizeGiB: Int64?
    public var snapshotId: String?
    public var volumeType: String?
    public var iops: Int?
    public var throughput: Int?
    public var deleteOnTermination: Bool?
    public var encrypted: Bool?

    /// Creates a mapping.
    public init(
        deviceName: String, volumeSizeGiB: Int64? = nil, snapshotId: String? = nil, volumeType: String? = nil,
        iops: Int? = nil, throughput: Int? = nil, deleteOnTermination: Bool? = nil, encrypted: Bool? = nil
    ) {
        self.deviceName = deviceName
        self.volumeSizeGiB = volumeSizeGiB
        self.snapshotId = snapshotId
        self.volumeType = volumeType
        self.iops = iops
        self.throughput = throughput
        self.deleteOnTermination = deleteOnTermination
        self.encrypted = encrypted
    }
}

/// Parameters of RunInstances.
public struct RunInstancesInput: Sendable {
    public var imageId: String?
    public var minCount: Int
    public var maxCount: Int
    public var instanceType: String?
    public var availabilityZone: String?
    public var mappings: [BlockDeviceMappingInput]
    public var instanceTags: [Tag]
    public var volumeTags: [Tag]
    public var clientToken: String?
    public var dryRun: Bool?

    /// Creates the input.
    public init(
        imageId: String?, minCount: Int, maxCount: Int, instanceType: String? = nil, availabilityZone: String? = nil,
        mappings: [BlockDeviceMappingInput] = [], instanceTags: [Tag] = [], volumeTags: [Tag] = [],
        clientToken: String? = nil, dryRun: Bool? = nil
    ) {
        self.imageId = imageId
        self.minCount = minCount
        self.maxCount = maxCount
        self.instanceType = instanceType
        self.availabilityZone = availabilityZone
        self.mappings = mappings
        self.instanceTags = instanceTags
        self.volumeTags = volumeTags
        self.clientToken = clientToken
        self.dryRun = dryRun
    }
}

/// An instance with its attached volumes, as the Describe and Run operations show it.
public struct InstanceView: Sendable {
    public var instance: InstanceRecord
    public var volumes: [VolumeRecord]
}

/// A state transition, as Start/Stop/TerminateInstances report it.
public struct InstanceStateChange: Sendable {
    public var instanceId: String
    public var previous: InstanceState
    public var current: InstanceState
}

/// Instances: records that group attached volumes (no compute runs). RunInstances creates
/// each block device mapping's volume and attaches it; termination deletes the volumes marked
/// DeleteOnTermination and detaches the rest.
public struct InstanceService: Sendable {
    let context: EC2Context
    let volumes: VolumeService

    /// Most instances one RunInstances may launch.
    static let maxInstancesPerCall = 20

    /// Creates the service.
    public init(context: EC2Context) {
        self.context = context
        self.volumes = VolumeService(context: context)
    }

    /// RunInstances.
    public func runInstances(_ input: RunInstancesInput, owner: Account) async throws -> [InstanceView] {
        guard let imageId = input.imageId, !imageId.isEmpty else {
            throw ServiceError(.missingParameter, "The request must contain the parameter ImageId")
        }
        guard input.minCount >= 1, input.maxCount >= input.minCount, input.maxCount <= Self.maxInstancesPerCall else {
            throw ServiceError(
                .invalidParameterValue,
                "MinCount and MaxCount must satisfy 1 <= MinCount <= MaxCount <= \(Self.maxInstancesPerCall).")
        }
        let zone = input.availabilityZone ?? context.availabilityZones[0]
        try context.requireZone(zone)
        try TagRules.validate(input.instanceTags)
        try TagRules.validate(input.volumeTags)
        let mappings = input.mappings.isEmpty ? [BlockDeviceMappingInput(deviceName: "/dev/xvda", volumeSizeGiB: 8)] : input.mappings
        guard Set(mappings.map(\.deviceName)).count == mappings.count else {
            throw ServiceError(.invalidParameterValue, "Each block device mapping needs its own device name.")
        }
        let root = mappings.first { $0.deviceName == "/dev/xvda" || $0.deviceName == "/dev/sda1" } ?? mappings[0]
        var sources: [String: SnapshotRecord] = [:]
        for mapping in mappings {
            guard mapping.encrypted != true else {
                throw ServiceError(.invalidParameterValue, "Encrypted volumes are not supported by this server yet.")
            }
            if let id = mapping.snapshotId {
                let snapshot = try await context.readableSnapshot(id, owner)
                guard snapshot.status == .completed else {
                    throw ServiceError(.incorrectState, "Snapshot '\(id)' is not completed.")
                }
                sources[id] = snapshot
            }
            let size = mapping.volumeSizeGiB ?? mapping.snapshotId.flatMap { sources[$0]?.volumeSizeGiB } ?? 8
            if let source = mapping.snapshotId.flatMap({ sources[$0] }), size < source.volumeSizeGiB {
                throw ServiceError(.invalidParameterValue, "Volume of \(size)GiB is smaller than snapshot \(source.id).")
            }
            _ = try VolumeRules.validate(
                type: mapping.volumeType ?? "gp2", sizeGiB: size, iops: mapping.iops, throughput: mapping.throughput)
        }
        try context.dryRun(input.dryRun)
        let now = context.clock.now()
        let reservation = context.ids.reservationId()
        var views: [InstanceView] = []
        for position in 0..<input.maxCount {
            let instance = InstanceRecord(
                id: context.ids.instanceId(), ownerId: owner.id, reservationId: reservation, imageId: imageId,
                instanceType: input.instanceType ?? "m1.small", state: .running, launchTime: now, availabilityZone: zone,
                rootDeviceName: root.deviceName, tags: input.instanceTags,
                clientToken: position == 0 ? input.clientToken : nil)
            let attached = try mappings.map { mapping in
                try makeVolume(mapping, source: mapping.snapshotId.flatMap { sources[$0] }, instance: instance, tags: input.volumeTags, owner: owner)
            }
            switch try await context.catalog.insertInstance(instance, volumes: attached) {
            case .inserted:
                for volume in attached { try await context.dataPlane.createVolume(volume) }
                views.append(InstanceView(instance: instance, volumes: attached))
            case .clientTokenExists(let existing):
                return try await describe([existing])
            }
        }
        return views
    }

    private func makeVolume(
        _ mapping: BlockDeviceMappingInput, source: SnapshotRecord?, instance: InstanceRecord, tags: [Tag], owner: Account
    ) throws -> VolumeRecord {
        let type = mapping.volumeType ?? "gp2"
        let size = mapping.volumeSizeGiB ?? source?.volumeSizeGiB ?? 8
        let limits = try VolumeRules.validate(type: type, sizeGiB: size, iops: mapping.iops, throughput: mapping.throughput)
        let id = context.ids.volumeId()
        let ownSource = source?.ownerId == owner.id
        return VolumeRecord(
            id: id, ownerId: owner.id, sizeGiB: size, availabilityZone: instance.availabilityZone, volumeType: type,
            iops: limits.iops, throughput: limits.throughput, state: .inUse, snapshotId: source?.id,
            createTime: instance.launchTime, encrypted: false, kmsKeyId: nil, tags: tags,
            attachment: VolumeAttachmentRecord(
                instanceId: instance.id, device: mapping.deviceName, attachTime: instance.launchTime,
                deleteOnTermination: mapping.deleteOnTermination ?? true),
            baseRoot: source?.rootNode, lastSnapshotId: ownSource ? source?.id : nil,
            lineageId: ownSource ? source!.lineageId : id, clientToken: nil, productCodes: source?.productCodes ?? [])
    }

    /// DescribeInstances (terminated instances stay visible).
    public func describeInstances(
        ids: [String], filters: [ResourceFilter], maxResults: Int?, nextToken: String?, owner: Account
    ) async throws -> (instances: [InstanceView], nextToken: String?) {
        try EC2Paging.validate(maxResults: maxResults, range: 5...1000, withIds: !ids.isEmpty, idsName: "instanceIds")
        try Self.filters.validate(filters)
        for id in ids { try EC2Identifiers.instance(id) }
        let after = try context.paging.position(nextToken, operation: "DescribeInstances")
        var instances = try await context.catalog.instances(ownerId: owner.id, ids: ids.isEmpty ? nil : ids)
        if let missing = Set(ids).subtracting(instances.map(\.id)).sorted().first {
            throw ServiceError(.instanceNotFound, "The instance ID '\(missing)' does not exist")
        }
        instances = instances.filter { $0.id > (after ?? "") }.sorted { $0.id < $1.id }
        // Volumes are read for every instance only when a block-device-mapping filter needs
        // them; otherwise only for the page.
        let needsVolumes = filters.contains { $0.name.hasPrefix("block-device-mapping.") }
        var views =
            needsVolumes ? try await describe(instances) : instances.map { InstanceView(instance: $0, volumes: []) }
        views = views.filter { Self.filters.matches($0, filters) }
        var token: String?
        if let maxResults, views.count > maxResults {
            views = Array(views.prefix(maxResults))
            token = context.paging.token(after: views.last!.instance.id, operation: "DescribeInstances")
        }
        return (needsVolumes ? views : try await describe(views.map(\.instance)), token)
    }

    func describe(_ instances: [InstanceRecord]) async throws -> [InstanceView] {
        var views: [InstanceView] = []
        for instance in instances {
            let attached = try await context.catalog.attachedVolumes(instanceId: instance.id)
            views.append(InstanceView(instance: instance, volumes: attached.sorted { $0.attachment!.device < $1.attachment!.device }))
        }
        return views
    }

    /// The DescribeInstances filters over what the server keeps of an instance and its
    /// attached volumes; the model's other names (network, placement groups, …) are refused.
    static let filters = FilterTable<InstanceView>(
        fields: [
            "instance-id": { [$0.instance.id] },
            "instance-state-name": { [$0.instance.state.rawValue] },
            "instance-state-code": { [String($0.instance.state.code)] },
            "instance-type": { [$0.instance.instanceType] },
            "image-id": { [$0.instance.imageId] },
            "availability-zone": { [$0.instance.availabilityZone] },
            "availability-zone-id": { [AvailabilityZoneId.of(zone: $0.instance.availabilityZone)] },
            "reservation-id": { [$0.instance.reservationId] },
            "owner-id": { [$0.instance.ownerId] },
            "launch-time": { [EC2Time.format($0.instance.launchTime)] },
            "client-token": { [$0.instance.clientToken].compactMap { $0 } },
            "root-device-name": { [$0.instance.rootDeviceName] },
            "root-device-type": { _ in ["ebs"] },
            "block-device-mapping.volume-id": { $0.volumes.map(\.id) },
            "block-device-mapping.device-name": { $0.volumes.compactMap { $0.attachment?.device } },
            "block-device-mapping.status": { $0.volumes.compactMap { $0.attachment.map { _ in "attached" } } },
            "block-device-mapping.attach-time": { $0.volumes.compactMap { $0.attachment.map { EC2Time.format($0.attachTime) } } },
            "block-device-mapping.delete-on-termination": {
                $0.volumes.compactMap { $0.attachment.map { String($0.deleteOnTermination) } }
            },
        ],
        tags: \.instance.tags)
}

import BlockSnapCore
import Foundation

/// One block device mapping of RunInstances: an EBS volume (`Ebs`, or a bare device name, with
/// the defaults), an instance store volume (`VirtualName`, which this server records nothing
/// for), or `NoDevice` (the device is left out).
public struct BlockDeviceMappingInput: Sendable {
    public var deviceName: String
    /// `NoDevice` was given: no device at this name.
    public var noDevice: Bool
    /// `ephemeralN`: an instance store volume (none is recorded).
    public var virtualName: String?
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
        iops: Int? = nil, throughput: Int? = nil, deleteOnTermination: Bool? = nil, encrypted: Bool? = nil,
        noDevice: Bool = false, virtualName: String? = nil
    ) {
        self.deviceName = deviceName
        self.noDevice = noDevice
        self.virtualName = virtualName
        self.volumeSizeGiB = volumeSizeGiB
        self.snapshotId = snapshotId
        self.volumeType = volumeType
        self.iops = iops
        self.throughput = throughput
        self.deleteOnTermination = deleteOnTermination
        self.encrypted = encrypted
    }

    /// Whether the mapping makes an EBS volume.
    public var makesVolume: Bool { !noDevice && virtualName == nil }
}

/// Parameters of RunInstances.
public struct RunInstancesInput: Sendable {
    public var imageId: String?
    public var minCount: Int
    public var maxCount: Int
    public var instanceType: String?
    public var availabilityZone: String?
    public var availabilityZoneId: String?
    public var mappings: [BlockDeviceMappingInput]
    public var instanceTags: [Tag]
    public var volumeTags: [Tag]
    public var clientToken: String?
    public var dryRun: Bool?

    /// Creates the input.
    public init(
        imageId: String?, minCount: Int, maxCount: Int, instanceType: String? = nil, availabilityZone: String? = nil,
        mappings: [BlockDeviceMappingInput] = [], instanceTags: [Tag] = [], volumeTags: [Tag] = [],
        clientToken: String? = nil, dryRun: Bool? = nil, availabilityZoneId: String? = nil
    ) {
        self.imageId = imageId
        self.availabilityZoneId = availabilityZoneId
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
        let attached = try await context.catalog.attachedVolumes(instanceIds: instances.map(\.id))
        return instances.map { instance in
            InstanceView(
                instance: instance,
                volumes: attached[instance.id, default: []].sorted { $0.attachment!.device < $1.attachment!.device })
        }
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

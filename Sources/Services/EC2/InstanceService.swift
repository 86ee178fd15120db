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
        instances = instances.filter { Self.filters.matches($0, filters) }.sorted { $0.id < $1.id }
        if let after { instances = instances.filter { $0.id > after } }
        var token: String?
        if let maxResults, instances.count > maxResults {
            instances = Array(instances.prefix(maxResults))
            token = context.paging.token(after: instances.last!.id, operation: "DescribeInstances")
        }
        return (try await describe(instances), token)
    }

    func describe(_ instances: [InstanceRecord]) async throws -> [InstanceView] {
        var views: [InstanceView] = []
        for instance in instances {
            let attached = try await context.catalog.attachedVolumes(instanceId: instance.id)
            views.append(InstanceView(instance: instance, volumes: attached.sorted { $0.attachment!.device < $1.attachment!.device }))
        }
        return views
    }

    static let filters = FilterTable<InstanceRecord>(
        fields: [
            "instance-id": { [$0.id] },
            "instance-state-name": { [$0.state.rawValue] },
            "instance-state-code": { [String($0.state.code)] },
            "instance-type": { [$0.instanceType] },
            "image-id": { [$0.imageId] },
            "availability-zone": { [$0.availabilityZone] },
            "reservation-id": { [$0.reservationId] },
            "root-device-name": { [$0.rootDeviceName] },
            "root-device-type": { _ in ["ebs"] },
        ],
        tags: \.tags)
}

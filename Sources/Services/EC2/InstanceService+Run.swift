import BlockSnapCore
import Foundation

extension InstanceService {
    /// The AMI's own mapping, used when the request maps no EBS device and does not remove it.
    static let defaultRoot = BlockDeviceMappingInput(deviceName: "/dev/xvda", volumeSizeGiB: 8)

    /// RunInstances. Launches `min(MaxCount, maxInstancesPerCall)` instances in one reservation;
    /// the response shows them `pending` (the catalog stores them `running`, as DescribeInstances
    /// shows them afterwards). A retry with the same ClientToken returns the whole original
    /// reservation, or `IdempotentParameterMismatch` if its parameters differ.
    public func runInstances(_ input: RunInstancesInput, owner: Account) async throws -> [InstanceView] {
        guard let imageId = input.imageId, !imageId.isEmpty else {
            throw ServiceError(.missingParameter, "The request must contain the parameter ImageId")
        }
        try EC2ClientToken.validate(input.clientToken)
        guard input.minCount >= 1, input.maxCount >= input.minCount, input.minCount <= Self.maxInstancesPerCall else {
            throw ServiceError(
                .invalidParameterValue,
                "MinCount and MaxCount must satisfy 1 <= MinCount <= MaxCount and MinCount <= \(Self.maxInstancesPerCall).")
        }
        // MaxCount above the limit launches as many as possible, as the model documents.
        let count = min(input.maxCount, Self.maxInstancesPerCall)
        let zone: String
        switch (input.availabilityZone, input.availabilityZoneId) {
        case (_?, _?):
            throw ServiceError(
                .invalidParameterCombination,
                "The parameters Placement.AvailabilityZone and Placement.AvailabilityZoneId cannot be combined.")
        case (nil, let zoneId?):
            zone = try context.zone(forId: zoneId)
        case (let named, nil):
            zone = named ?? context.availabilityZones[0]
            try context.requireZone(zone)
        }
        try TagRules.validate(input.instanceTags)
        try TagRules.validate(input.volumeTags)
        for mapping in input.mappings { try DeviceNames.validate(mapping.deviceName) }
        guard Set(input.mappings.map(\.deviceName)).count == input.mappings.count else {
            throw ServiceError(.invalidParameterValue, "Each block device mapping needs its own device name.")
        }
        let mappings = Self.volumeMappings(input.mappings)
        let root = mappings.first { $0.deviceName == "/dev/xvda" || $0.deviceName == "/dev/sda1" } ?? mappings.first
        var sources: [String: SnapshotRecord] = [:]
        var plans: [PlannedVolume] = []
        for mapping in mappings {
            guard mapping.encrypted != true else {
                throw ServiceError(.invalidParameterValue, "Encrypted volumes are not supported by this server yet.")
            }
            if let id = mapping.snapshotId, sources[id] == nil {
                let snapshot = try await context.readableSnapshot(id, owner)
                guard snapshot.status == .completed else {
                    throw ServiceError(.incorrectState, "Snapshot '\(id)' is not completed.")
                }
                sources[id] = snapshot
            }
            let source = mapping.snapshotId.flatMap { sources[$0] }
            let size = mapping.volumeSizeGiB ?? source?.volumeSizeGiB ?? 8
            if let source, size < source.volumeSizeGiB {
                throw ServiceError(.invalidParameterValue, "Volume of \(size)GiB is smaller than snapshot \(source.id).")
            }
            let type = mapping.volumeType ?? "gp2"
            let limits = try VolumeRules.validate(
                type: type, sizeGiB: size, iops: mapping.iops, throughput: mapping.throughput)
            plans.append(PlannedVolume(mapping: mapping, source: source, type: type, sizeGiB: size, limits: limits))
        }
        try context.dryRun(input.dryRun)
        let now = context.clock.now()
        let reservation = context.ids.reservationId()
        var views: [InstanceView] = []
        for position in 0..<count {
            let instance = InstanceRecord(
                id: context.ids.instanceId(), ownerId: owner.id, reservationId: reservation, imageId: imageId,
                instanceType: input.instanceType ?? "m1.small", state: .running, launchTime: now, availabilityZone: zone,
                rootDeviceName: root?.deviceName ?? Self.defaultRoot.deviceName, tags: input.instanceTags,
                clientToken: position == 0 ? input.clientToken : nil)
            let attached = plans.map { makeVolume($0, instance: instance, tags: input.volumeTags, owner: owner) }
            switch try await context.catalog.insertInstance(instance, volumes: attached) {
            case .inserted:
                for volume in attached { try await context.dataPlane.createVolume(volume) }
                var launched = instance
                launched.state = .pending
                views.append(InstanceView(instance: launched, volumes: attached))
            case .clientTokenExists(let existing):
                return try await originalReservation(of: existing, retriedAs: instance, count: count, owner: owner)
            }
        }
        return views
    }

    /// The mappings that make EBS volumes: `NoDevice` and `VirtualName` (instance store) mappings
    /// make none. With no EBS mapping, the AMI's root (`/dev/xvda`, 8 GiB) unless a `NoDevice`
    /// mapping removes it.
    static func volumeMappings(_ requested: [BlockDeviceMappingInput]) -> [BlockDeviceMappingInput] {
        let volumes = requested.filter(\.makesVolume)
        guard volumes.isEmpty else { return volumes }
        let removesRoot = requested.contains { $0.noDevice && $0.deviceName == defaultRoot.deviceName }
        return removesRoot ? [] : [defaultRoot]
    }

    /// The reservation that first used the client token, all its instances (the one holding the
    /// token first, as launched), if the retry asks for the same launch.
    private func originalReservation(of existing: InstanceRecord, retriedAs retry: InstanceRecord, count: Int, owner: Account)
        async throws -> [InstanceView]
    {
        let instances = try await context.catalog.instances(ownerId: owner.id, ids: nil)
            .filter { $0.reservationId == existing.reservationId && $0.id != existing.id }
        guard existing.imageId == retry.imageId, existing.instanceType == retry.instanceType,
            existing.availabilityZone == retry.availabilityZone, existing.rootDeviceName == retry.rootDeviceName,
            instances.count + 1 == count
        else {
            throw ServiceError(.idempotencyConflict, "The client token has already been used with different parameters.")
        }
        return try await describe([existing] + instances)
    }

    /// A mapping's volume as validated once per call, made for each instance launched.
    private struct PlannedVolume {
        let mapping: BlockDeviceMappingInput
        let source: SnapshotRecord?
        let type: String
        let sizeGiB: Int64
        let limits: (iops: Int?, throughput: Int?)
    }

    private func makeVolume(_ plan: PlannedVolume, instance: InstanceRecord, tags: [Tag], owner: Account) -> VolumeRecord {
        let (mapping, source, type, size, limits) = (plan.mapping, plan.source, plan.type, plan.sizeGiB, plan.limits)
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
}

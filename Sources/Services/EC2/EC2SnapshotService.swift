import BlockSnapCore
import Foundation

/// Parameters of CreateSnapshots' instance specification.
public struct InstanceSpecificationInput: Sendable {
    public var instanceId: String
    public var excludeBootVolume: Bool
    public var excludeDataVolumeIds: [String]

    /// Creates the input.
    public init(instanceId: String, excludeBootVolume: Bool = false, excludeDataVolumeIds: [String] = []) {
        self.instanceId = instanceId
        self.excludeBootVolume = excludeBootVolume
        self.excludeDataVolumeIds = excludeDataVolumeIds
    }
}

/// Point-in-time snapshots of volumes. CreateSnapshot and CreateSnapshots freeze the volumes'
/// changed blocks at the instant of the call (one instant for all volumes of an instance),
/// answer at once with `pending`, and leave the copying to the `SnapshotCapturer`.
public struct EC2SnapshotService: Sendable {
    let context: EC2Context
    let capturer: SnapshotCapturer
    let garbage: GarbageCollectionService?

    /// Creates the service; `garbage` is asked to collect after a snapshot is deleted.
    public init(context: EC2Context, capturer: SnapshotCapturer, garbage: GarbageCollectionService?) {
        self.context = context
        self.capturer = capturer
        self.garbage = garbage
    }

    /// CreateSnapshot. `OutpostArn` and `Location=local` are refused: no volume of this server
    /// is on an Outpost or in a Local Zone.
    public func createSnapshot(
        volumeId: String, description: String?, tags: [Tag], outpostArn: String?, location: String? = nil,
        dryRun: Bool?, owner: Account
    ) async throws -> SnapshotRecord {
        try await context.mutations.run(for: owner) {
            let volume = try await context.liveVolume(volumeId, owner)
            try SnapshotPlacement.requireRegional("volume", volume.id, outpostArn: outpostArn, location: location)
            try Self.validate(description: description, tags: tags)
            try context.dryRun(dryRun)
            return try await snapshot([volume], description: description, tags: { _ in tags }, owner: owner)[0]
        }
    }

    /// CreateSnapshots: one snapshot per included volume of the instance, all at one instant.
    /// `OutpostArn` and `Location=local` are refused as for CreateSnapshot.
    public func createSnapshots(
        _ specification: InstanceSpecificationInput, description: String?, tags: [Tag], copyTagsFromVolume: Bool,
        outpostArn: String?, location: String? = nil, dryRun: Bool?, owner: Account
    ) async throws -> [SnapshotRecord] {
        try await context.mutations.run(for: owner) {
            let instance = try await context.ownedInstance(specification.instanceId, owner)
            try SnapshotPlacement.requireRegional("instance", instance.id, outpostArn: outpostArn, location: location)
            try Self.validate(description: description, tags: tags)
            guard specification.excludeDataVolumeIds.count <= 40 else {
                throw ServiceError(.invalidParameterValue, "ExcludeDataVolumeIds can name at most 40 volumes.")
            }
            for id in specification.excludeDataVolumeIds { try EC2Identifiers.volume(id) }
            let attached = try await context.catalog.attachedVolumes(instanceId: instance.id)
            let root = attached.first { $0.attachment?.device == instance.rootDeviceName }
            if let root, specification.excludeDataVolumeIds.contains(root.id) {
                throw ServiceError(
                    .invalidParameterValue,
                    "The root volume \(root.id) cannot be in ExcludeDataVolumeIds; use ExcludeBootVolume instead.")
            }
            for id in specification.excludeDataVolumeIds where !attached.contains(where: { $0.id == id }) {
                throw ServiceError(.invalidParameterValue, "Volume \(id) is not attached to instance \(instance.id).")
            }
            let included = attached.filter { volume in
                if volume.id == root?.id { return !specification.excludeBootVolume }
                return !specification.excludeDataVolumeIds.contains(volume.id)
            }.sorted { $0.attachment!.device < $1.attachment!.device }
            guard !included.isEmpty else {
                throw ServiceError(.invalidParameterValue, "The instance \(instance.id) has no volumes to snapshot.")
            }
            try context.dryRun(dryRun)
            return try await snapshot(included, description: description, tags: { volume in
                var merged = copyTagsFromVolume ? volume.tags : []
                for tag in tags {
                    merged.removeAll { $0.key == tag.key }
                    merged.append(tag)
                }
                return merged
            }, owner: owner)
        }
    }

    /// Freezes the volumes at one instant and records a pending snapshot for each.
    private func snapshot(
        _ volumes: [VolumeRecord], description: String?, tags: (VolumeRecord) -> [Tag], owner: Account
    ) async throws -> [SnapshotRecord] {
        for volume in volumes { try TagRules.validate(tags(volume)) }
        // Counted before the freeze, so that a DeleteVolume from now on waits for the captures.
        await context.retirement.beginCaptures(volumes.map(\.id))
        do {
            return try await freezeAndEnqueue(volumes, description: description, tags: tags, owner: owner)
        } catch {
            for volume in volumes { try? await context.retirement.endCapture(volume.id) }
            throw error
        }
    }

    private func freezeAndEnqueue(
        _ volumes: [VolumeRecord], description: String?, tags: (VolumeRecord) -> [Tag], owner: Account
    ) async throws -> [SnapshotRecord] {
        let frozen = try await context.dataPlane.freeze(volumes.map(\.id))
        let now = context.clock.now()
        var records: [SnapshotRecord] = []
        for volume in volumes {
            var record = SnapshotRecord(
                id: context.ids.snapshotId(), ownerId: owner.id, status: .pending, progress: 0,
                volumeSizeGiB: volume.sizeGiB, description: description, parentId: volume.lastSnapshotId,
                lineageId: volume.lineageId, rootNode: volume.baseRoot, tags: tags(volume), startTime: now,
                timeoutMinutes: 0, deadline: .distantFuture, clientToken: nil, requestFingerprint: nil)
            record.volumeId = volume.id
            record.encrypted = volume.encrypted
            record.kmsKeyId = volume.kmsKeyId
            record.productCodes = volume.productCodes
            _ = try await context.catalog.insertSnapshot(record)
            records.append(record)
        }
        for (volume, record) in zip(volumes, records) {
            capturer.enqueue(.init(snapshotId: record.id, volumeId: volume.id, frozen: frozen[volume.id] ?? NoChangedBlocks()))
        }
        return records
    }

    static func validate(description: String?, tags: [Tag]) throws {
        if let description, description.unicodeScalars.count > 255 {
            throw ServiceError(.invalidParameterValue, "Value for parameter Description is invalid: it exceeds 255 characters.")
        }
        try TagRules.validate(tags)
    }
}

extension EC2SnapshotService {
    /// The service clock's current time.
    public var now: Date { context.clock.now() }
}

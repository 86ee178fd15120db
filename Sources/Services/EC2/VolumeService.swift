import BlockSnapCore
import Foundation

/// Parameters of CreateVolume.
public struct CreateVolumeInput: Sendable {
    public var sizeGiB: Int64?
    public var snapshotId: String?
    public var availabilityZone: String?
    /// `use1-az1` …: an alternative to `availabilityZone` (one of the two is required).
    public var availabilityZoneId: String?
    public var volumeType: String?
    public var iops: Int?
    public var throughput: Int?
    public var tags: [Tag]
    public var clientToken: String?
    public var encrypted: Bool?
    public var kmsKeyId: String?
    /// Multi-Attach (io1/io2 only).
    public var multiAttachEnabled: Bool?
    /// MiB/s to initialize a volume from a snapshot at (100–300; validated, nothing to throttle here).
    public var volumeInitializationRate: Int?
    public var dryRun: Bool?

    /// Creates the input.
    public init(
        sizeGiB: Int64? = nil, snapshotId: String? = nil, availabilityZone: String? = nil, volumeType: String? = nil,
        iops: Int? = nil, throughput: Int? = nil, tags: [Tag] = [], clientToken: String? = nil, encrypted: Bool? = nil,
        kmsKeyId: String? = nil, dryRun: Bool? = nil, availabilityZoneId: String? = nil, multiAttachEnabled: Bool? = nil,
        volumeInitializationRate: Int? = nil
    ) {
        self.sizeGiB = sizeGiB
        self.snapshotId = snapshotId
        self.availabilityZone = availabilityZone
        self.volumeType = volumeType
        self.iops = iops
        self.throughput = throughput
        self.tags = tags
        self.clientToken = clientToken
        self.encrypted = encrypted
        self.kmsKeyId = kmsKeyId
        self.dryRun = dryRun
        self.availabilityZoneId = availabilityZoneId
        self.multiAttachEnabled = multiAttachEnabled
        self.volumeInitializationRate = volumeInitializationRate
    }
}

/// Volumes: create (empty or from a snapshot, usable at once, read lazily), describe, delete,
/// grow. A volume's blocks are its base map plus what the data plane holds locally.
public struct VolumeService: Sendable {
    let context: EC2Context

    /// Creates the service.
    public init(context: EC2Context) {
        self.context = context
    }

    /// CreateVolume.
    public func createVolume(_ input: CreateVolumeInput, owner: Account) async throws -> VolumeRecord {
        let zone = try self.zone(of: input)
        try EC2ClientToken.validate(input.clientToken)
        guard input.encrypted != true, input.kmsKeyId == nil else {
            throw ServiceError(
                .invalidParameterValue, "Encrypted volumes are not supported by this server yet; omit Encrypted and KmsKeyId.")
        }
        try TagRules.validate(input.tags)
        var source: SnapshotRecord?
        if let snapshotId = input.snapshotId {
            let snapshot = try await context.readableSnapshot(snapshotId, owner)
            guard snapshot.status == .completed else {
                throw ServiceError(.incorrectState, "Snapshot '\(snapshotId)' is not completed (\(snapshot.status.rawValue)).")
            }
            source = snapshot
        }
        guard let size = input.sizeGiB ?? source?.volumeSizeGiB else {
            throw ServiceError(.missingParameter, "The request must contain the parameter size or snapshotId")
        }
        if let source, size < source.volumeSizeGiB {
            throw ServiceError(
                .invalidParameterValue,
                "The volume size cannot be smaller than the snapshot size (\(source.volumeSizeGiB) GiB).")
        }
        let type = input.volumeType ?? "gp2"
        let (iops, throughput) = try VolumeRules.validate(type: type, sizeGiB: size, iops: input.iops, throughput: input.throughput)
        let multiAttach = input.multiAttachEnabled ?? false
        if multiAttach, !VolumeRules.multiAttachTypes.contains(type) {
            throw ServiceError(
                .invalidParameterCombination,
                "Multi-Attach is supported only on io1 and io2 volumes, not on \(type) volumes.")
        }
        if multiAttach { try VolumeRules.refuseMultiAttach() }
        try VolumeRules.validateInitializationRate(input.volumeInitializationRate, fromSnapshot: source != nil)
        try context.dryRun(input.dryRun)
        let id = context.ids.volumeId()
        let volume = VolumeRecord(
            id: id, ownerId: owner.id, sizeGiB: size, availabilityZone: zone, volumeType: type, iops: iops,
            throughput: throughput, state: .available, snapshotId: source?.id, createTime: context.clock.now(),
            encrypted: false, kmsKeyId: nil, tags: input.tags, attachment: nil, baseRoot: source?.rootNode,
            lastSnapshotId: source?.ownerId == owner.id ? source?.id : nil,
            lineageId: source?.ownerId == owner.id ? source!.lineageId : id, clientToken: input.clientToken,
            productCodes: source?.productCodes ?? [], multiAttachEnabled: multiAttach)
        switch try await context.catalog.insertVolume(volume) {
        case .inserted:
            do {
                try await context.dataPlane.createVolume(volume)
            } catch {
                try await context.catalog.deleteVolume(id: volume.id)
                throw error
            }
            return volume
        case .clientTokenExists(let existing):
            guard existing.sizeGiB == volume.sizeGiB, existing.availabilityZone == volume.availabilityZone,
                existing.volumeType == volume.volumeType, existing.snapshotId == volume.snapshotId,
                existing.iops == volume.iops, existing.throughput == volume.throughput,
                existing.multiAttachEnabled == volume.multiAttachEnabled
            else {
                throw ServiceError(
                    .idempotencyConflict, "The client token has already been used with different parameters.")
            }
            return existing
        }
    }

    /// The zone of a CreateVolume: AvailabilityZone or AvailabilityZoneId, exactly one.
    private func zone(of input: CreateVolumeInput) throws -> String {
        switch (input.availabilityZone, input.availabilityZoneId) {
        case (let zone?, nil):
            try context.requireZone(zone)
            return zone
        case (nil, let zoneId?):
            return try context.zone(forId: zoneId)
        case (_?, _?):
            throw ServiceError(
                .invalidParameterCombination, "The parameters AvailabilityZone and AvailabilityZoneId cannot be combined.")
        case (nil, nil):
            throw ServiceError(
                .missingParameter, "The request must contain the parameter AvailabilityZone or AvailabilityZoneId")
        }
    }

    /// DescribeVolumes: by ids (all must exist), filters and pages.
    public func describeVolumes(
        ids: [String], filters: [ResourceFilter], maxResults: Int?, nextToken: String?, owner: Account
    ) async throws -> (volumes: [VolumeRecord], nextToken: String?) {
        try EC2Paging.validate(maxResults: maxResults, range: 5...500, withIds: !ids.isEmpty, idsName: "volumeIds")
        try Self.filters.validate(filters)
        for id in ids { try EC2Identifiers.volume(id) }
        let after = try context.paging.position(nextToken, operation: "DescribeVolumes")
        var volumes = try await context.catalog.volumes(ownerId: owner.id, ids: ids.isEmpty ? nil : ids)
        if let missing = Set(ids).subtracting(volumes.map(\.id)).sorted().first {
            throw ServiceError(.volumeNotFound, "The volume '\(missing)' does not exist.")
        }
        volumes = volumes.filter { Self.filters.matches($0, filters) }.sorted { $0.id < $1.id }
        if let after { volumes = volumes.filter { $0.id > after } }
        guard let maxResults, volumes.count > maxResults else { return (volumes, nil) }
        let page = Array(volumes.prefix(maxResults))
        return (page, context.paging.token(after: page.last!.id, operation: "DescribeVolumes"))
    }

    /// DeleteVolume: only an available (unattached) volume.
    public func deleteVolume(_ id: String, dryRun: Bool?, owner: Account) async throws {
        try await context.mutations.run(for: owner) {
            let volume = try await context.ownedVolume(id, owner)
            if let attachment = volume.attachment {
                throw ServiceError(.volumeInUse, "Volume \(id) is currently attached to \(attachment.instanceId)")
            }
            try context.dryRun(dryRun)
            try await context.retirement.retire(volume)
        }
    }

    static let filters = FilterTable<VolumeRecord>(
        fields: [
            "volume-id": { [$0.id] },
            "size": { [String($0.sizeGiB)] },
            "snapshot-id": { [$0.snapshotId ?? ""] },
            "status": { [$0.attachment == nil ? $0.state.rawValue : VolumeState.inUse.rawValue] },
            "availability-zone": { [$0.availabilityZone] },
            "availability-zone-id": { [AvailabilityZoneId.of(zone: $0.availabilityZone)] },
            "volume-type": { [$0.volumeType] },
            "encrypted": { [String($0.encrypted)] },
            "create-time": { [EC2Time.format($0.createTime)] },
            "attachment.instance-id": { [$0.attachment?.instanceId ?? ""] },
            "attachment.device": { [$0.attachment?.device ?? ""] },
            "attachment.status": { [$0.attachment == nil ? "" : "attached"] },
            "attachment.delete-on-termination": { [$0.attachment.map { String($0.deleteOnTermination) } ?? ""] },
            "attachment.attach-time": { [$0.attachment.map { EC2Time.format($0.attachTime) } ?? ""] },
            "multi-attach-enabled": { [String($0.multiAttachEnabled)] },
            "fast-restored": { _ in ["false"] },
        ],
        tags: \.tags)
}

/// EC2's timestamp form: ISO 8601 with milliseconds and Z.
public enum EC2Time {
    /// `2026-11-25T14:37:25.123Z`.
    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}

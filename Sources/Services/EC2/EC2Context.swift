import BlockEngine
import BlockSnapCore
import Foundation

/// What every EC2 service shares: the catalog, the engine, the data plane, ids, time and the
/// region. One value, built in the composition root.
public struct EC2Context: Sendable {
    public let catalog: any Catalog & ComputeCatalog
    public let blocks: BlockStore
    public let maps: BlockMap
    public let dataPlane: any VolumeDataPlane
    public let ids: ResourceIdentifiers
    public let clock: any WallClock
    public let region: String
    /// Deletes volumes, waiting for their snapshots' captures.
    public let retirement: VolumeRetirement
    /// Serialises changes to existing volumes and instances.
    let mutations = MutationGate()
    let paging: EC2Paging

    /// Creates the context.
    public init(
        catalog: any Catalog & ComputeCatalog, blocks: BlockStore, maps: BlockMap, dataPlane: any VolumeDataPlane,
        ids: ResourceIdentifiers, clock: any WallClock, region: String, tokens: TokenSigner
    ) {
        self.catalog = catalog
        self.blocks = blocks
        self.maps = maps
        self.dataPlane = dataPlane
        self.ids = ids
        self.clock = clock
        self.region = region
        self.retirement = VolumeRetirement(catalog: catalog, dataPlane: dataPlane)
        self.paging = EC2Paging(tokens: tokens)
    }

    /// Availability zones of the region: `<region>a` … `<region>c`.
    public var availabilityZones: [String] { ["a", "b", "c"].map { region + $0 } }

    /// The zone a zone id names (`AvailabilityZoneId.of(zone:)`, a fixed mapping; AWS shuffles
    /// it per account, this server does not); `InvalidParameterValue` for an id outside the
    /// region.
    func zone(forId zoneId: String) throws -> String {
        guard let zone = availabilityZones.first(where: { AvailabilityZoneId.of(zone: $0) == zoneId }) else {
            let valid = availabilityZones.map(AvailabilityZoneId.of(zone:)).joined(separator: ", ")
            throw ServiceError(.invalidParameterValue, "Invalid availability zone id: [\(zoneId)]. Valid zone ids are \(valid).")
        }
        return zone
    }

    func requireZone(_ zone: String) throws {
        guard availabilityZones.contains(zone) else {
            throw ServiceError(
                .invalidParameterValue,
                "Invalid availability zone: [\(zone)]. Valid zones are \(availabilityZones.joined(separator: ", ")).")
        }
    }

    /// The caller's volume (not-found for others' volumes and malformed ids).
    func ownedVolume(_ id: String, _ owner: Account) async throws -> VolumeRecord {
        try EC2Identifiers.volume(id)
        guard let volume = try await catalog.volume(id: id), volume.ownerId == owner.id else {
            throw ServiceError(.volumeNotFound, "The volume '\(id)' does not exist.")
        }
        return volume
    }

    /// The caller's volume, refused with `IncorrectState` while it is being deleted (it waits
    /// for its snapshots' captures, see `VolumeRetirement`): for the operations that use it.
    func liveVolume(_ id: String, _ owner: Account) async throws -> VolumeRecord {
        let volume = try await ownedVolume(id, owner)
        guard volume.state != .deleting else {
            throw ServiceError(.incorrectState, "The volume '\(id)' is being deleted.")
        }
        return volume
    }

    /// The caller's instance.
    func ownedInstance(_ id: String, _ owner: Account) async throws -> InstanceRecord {
        try EC2Identifiers.instance(id)
        guard let instance = try await catalog.instance(id: id), instance.ownerId == owner.id else {
            throw ServiceError(.instanceNotFound, "The instance ID '\(id)' does not exist")
        }
        return instance
    }

    /// A snapshot the caller owns or may create volumes from.
    func readableSnapshot(_ id: String, _ owner: Account) async throws -> SnapshotRecord {
        try EC2Identifiers.snapshot(id)
        guard let snapshot = try await catalog.snapshot(id: id),
            snapshot.ownerId == owner.id || snapshot.createVolumePermissions.contains(owner.id)
        else {
            throw ServiceError(.snapshotNotFound, "The snapshot '\(id)' does not exist.")
        }
        return snapshot
    }

    /// The caller's own snapshot.
    func ownedSnapshot(_ id: String, _ owner: Account) async throws -> SnapshotRecord {
        let snapshot = try await readableSnapshot(id, owner)
        guard snapshot.ownerId == owner.id else {
            throw ServiceError(.unauthorizedOperation, "You are not authorized to perform this operation on '\(id)'.")
        }
        return snapshot
    }

    /// Answers a DryRun request: the checks passed, so the request would have succeeded.
    func dryRun(_ flag: Bool?) throws {
        if flag == true {
            throw ServiceError(.dryRunOperation, "Request would have succeeded, but DryRun flag is set.")
        }
    }
}

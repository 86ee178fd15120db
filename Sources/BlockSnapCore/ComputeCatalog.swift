import Foundation

/// The outcome of inserting a resource that may carry an idempotency token.
public enum InsertOutcome<Record: Sendable & Equatable>: Sendable, Equatable {
    /// The record was stored.
    case inserted
    /// The owner already used this client token; nothing was stored.
    case clientTokenExists(Record)
}

/// A tag on some resource, as DescribeTags lists it.
public struct ResourceTag: Sendable, Equatable {
    /// `snap-…`, `vol-…` or `i-…`.
    public var resourceId: String
    /// `snapshot`, `volume` or `instance`.
    public var resourceType: String
    public var tag: Tag

    /// Creates a resource tag.
    public init(resourceId: String, resourceType: String, tag: Tag) {
        self.resourceId = resourceId
        self.resourceType = resourceType
        self.tag = tag
    }
}

/// The EC2 side of the catalog: volumes, instances, tags on any resource and the snapshot
/// attributes EC2 adds. Same rules as `Catalog`: each method is one transaction.
public protocol ComputeCatalog: Sendable {
    // MARK: Volumes

    /// Inserts a volume unless the owner already used its client token.
    func insertVolume(_ volume: VolumeRecord) async throws -> InsertOutcome<VolumeRecord>
    /// The volume with this id, if any (deleted volumes are gone).
    func volume(id: String) async throws -> VolumeRecord?
    /// The owner's volumes, by id; all of them when `ids` is nil.
    func volumes(ownerId: String, ids: [String]?) async throws -> [VolumeRecord]
    /// Replaces a volume's row (not its tags). Returns false if it doesn't exist.
    func updateVolume(_ volume: VolumeRecord) async throws -> Bool
    /// Removes a volume and its tags.
    func deleteVolume(id: String) async throws

    // MARK: Instances

    /// Inserts an instance with the volumes created for it, atomically.
    func insertInstance(_ instance: InstanceRecord, volumes: [VolumeRecord]) async throws -> InsertOutcome<InstanceRecord>
    /// The instance with this id, if any.
    func instance(id: String) async throws -> InstanceRecord?
    /// The owner's instances, by id; all of them when `ids` is nil.
    func instances(ownerId: String, ids: [String]?) async throws -> [InstanceRecord]
    /// Replaces an instance's row (not its tags). Returns false if it doesn't exist.
    func updateInstance(_ instance: InstanceRecord) async throws -> Bool
    /// The volumes attached to each of these instances, each list by attach time, then device
    /// name; an instance with none has no entry.
    func attachedVolumes(instanceIds: [String]) async throws -> [String: [VolumeRecord]]

    // MARK: Tags

    /// Adds or overwrites tags on resources of one owner; throws `CatalogError.tagLimitExceeded`
    /// without change if any resource would exceed 50 tags, `.resourceNotFound` for an unknown id.
    func putTags(_ tags: [Tag], on resourceIds: [String], ownerId: String) async throws
    /// Removes tags: a tag with a value removes only that key=value, a key-only entry the key.
    func deleteTags(_ tags: [(key: String, value: String?)], from resourceIds: [String], ownerId: String) async throws
    /// Every tag of the owner's resources, by resource id then the order the tags were added.
    func resourceTags(ownerId: String) async throws -> [ResourceTag]

    // MARK: Snapshots (EC2 additions)

    /// Snapshots visible to `accountId` (owned, or shared through createVolumePermission) with
    /// id > `after`, by id, at most `limit`, read in one transaction. A snapshot for which
    /// `known(id, revision)` answers true comes back as `.known`, without its record being read;
    /// `known` is asked about each snapshot of the page (and perhaps others read along with it
    /// but left out), inside the read, so it must be quick and must not block.
    func snapshotsPage(
        visibleTo accountId: String, after: String?, limit: Int, known: @escaping @Sendable (String, Int64) -> Bool
    ) async throws -> [SnapshotPageEntry]
    /// Sets who may create volumes from a snapshot.
    func setCreateVolumePermissions(snapshotId: String, accountIds: [String]) async throws -> Bool
    /// Removes a snapshot that is not pending, with its tags. Returns false if absent.
    func deleteSnapshot(id: String) async throws -> Bool
    /// Sets a pending snapshot's progress.
    func setSnapshotProgress(id: String, progress: Int) async throws
    /// Completes a volume's pending snapshot (see `Catalog.completeSnapshot`) and, atomically,
    /// makes it the volume's latest snapshot with `root` as its base.
    func completeVolumeSnapshot(
        id: String, volumeId: String, rootNode: BlockHash?, nodes: [MapNodeRecord], changedBlocksCount: Int,
        completionTime: Date
    ) async throws -> Bool
    /// Pending snapshots taken of volumes (to resume after a restart).
    func pendingVolumeSnapshots() async throws -> [SnapshotRecord]
}

extension ComputeCatalog {
    /// The whole records of a page (see `snapshotsPage(visibleTo:after:limit:known:)`).
    public func snapshotsPage(visibleTo accountId: String, after: String?, limit: Int) async throws
        -> [SnapshotRecord]
    {
        try await snapshotsPage(visibleTo: accountId, after: after, limit: limit) { _, _ in false }.compactMap(\.record)
    }
}

extension ComputeCatalog {
    /// The volumes attached to an instance, by attach time, then device name.
    public func attachedVolumes(instanceId: String) async throws -> [VolumeRecord] {
        try await attachedVolumes(instanceIds: [instanceId])[instanceId] ?? []
    }
}

import BlockSnapCore
import Foundation

/// Deterministic volumes, instances and their ids for `ComputeCatalog` tests.
///
/// Invariant: the same arguments always give equal values, and distinct `n` give distinct ids.
public enum ComputeFixtures {
    /// `vol-` followed by 17 lowercase hex digits derived from `n`.
    public static func volumeId(_ n: Int) -> String { "vol-" + hex17(n) }

    /// `i-` followed by 17 lowercase hex digits derived from `n`.
    public static func instanceId(_ n: Int) -> String { "i-" + hex17(n) }

    /// A detached, available volume with every optional field set to a distinctive value
    /// (tags deliberately unsorted, non-ASCII text, an empty tag value).
    public static func volume(_ n: Int, owner: Account, clientToken: String? = nil) -> VolumeRecord {
        VolumeRecord(
            id: volumeId(n), ownerId: owner.id, sizeGiB: 100 + Int64(n), availabilityZone: "us-east-1a",
            volumeType: "gp3", iops: 3000 + n, throughput: 125 + n, state: .available,
            snapshotId: CatalogFixtures.snapshotId(n + 3_000_000), createTime: CatalogFixtures.time(Int64(n) * 1000),
            encrypted: true, kmsKeyId: "arn:aws:kms:us-east-1:\(owner.id):key/volume-\(n)",
            tags: [Tag(key: "Name", value: "vølume \(n)"), Tag(key: "empty", value: ""), Tag(key: "A", value: "1")],
            attachment: nil, baseRoot: CatalogFixtures.hash(n + 4_000), lastSnapshotId: CatalogFixtures.snapshotId(n),
            lineageId: CatalogFixtures.snapshotId(n + 5_000_000), clientToken: clientToken,
            productCodes: ["product-\(n)", "another"], multiAttachEnabled: true,
            modificationTimes: [CatalogFixtures.time(Int64(n) * 1000 + 5), CatalogFixtures.time(Int64(n) * 1000 + 7)])
    }

    /// A detached volume with every optional field nil, no tags and no product codes.
    public static func bareVolume(_ n: Int, owner: Account, clientToken: String? = nil) -> VolumeRecord {
        VolumeRecord(
            id: volumeId(n), ownerId: owner.id, sizeGiB: 8, availabilityZone: "us-east-1b", volumeType: "standard",
            iops: nil, throughput: nil, state: .creating, snapshotId: nil,
            createTime: CatalogFixtures.time(Int64(n) * 1000), encrypted: false, kmsKeyId: nil, tags: [],
            attachment: nil, baseRoot: nil, lastSnapshotId: nil, lineageId: "lineage-\(n)", clientToken: clientToken)
    }

    /// `volume` attached to `instanceId` as `device`.
    public static func attachedVolume(
        _ n: Int, owner: Account, instanceId: String, device: String, deleteOnTermination: Bool = true
    ) -> VolumeRecord {
        var volume = volume(n, owner: owner)
        volume.state = .inUse
        volume.attachment = VolumeAttachmentRecord(
            instanceId: instanceId, device: device, attachTime: CatalogFixtures.time(Int64(n) * 1000 + 7),
            deleteOnTermination: deleteOnTermination)
        return volume
    }

    /// A running instance with tags and, optionally, a client token.
    public static func instance(_ n: Int, owner: Account, clientToken: String? = nil) -> InstanceRecord {
        InstanceRecord(
            id: instanceId(n), ownerId: owner.id, reservationId: "r-" + hex17(n), imageId: "ami-" + hex17(n),
            instanceType: "t3.micro", state: .running, launchTime: CatalogFixtures.time(Int64(n) * 1000 + 1),
            availabilityZone: "us-east-1a", rootDeviceName: "/dev/xvda",
            tags: [Tag(key: "role", value: "web ✓"), Tag(key: "Env", value: "")], clientToken: clientToken)
    }

    /// A pending snapshot of `volumeId`, as CreateSnapshot stores it.
    public static func volumeSnapshot(_ n: Int, owner: Account, volumeId: String) -> SnapshotRecord {
        var snapshot = CatalogFixtures.pendingSnapshot(n, owner: owner)
        snapshot.volumeId = volumeId
        return snapshot
    }

    private static func hex17(_ n: Int) -> String {
        let hex = String(n, radix: 16)
        return String(repeating: "0", count: max(0, 17 - hex.count)) + hex
    }
}

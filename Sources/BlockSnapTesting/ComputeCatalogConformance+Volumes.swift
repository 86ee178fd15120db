import BlockSnapCore
import Foundation
import Testing

extension ComputeCatalogConformance {
    /// Every field round trips (nils stay nil, tags keep their order); lists are by id, owner
    /// only, and `ids` selects (unknown and foreign ids are skipped); a duplicate id throws.
    static func volumeRoundTrip(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, other) = try await owners(catalog)
        let full = ComputeFixtures.volume(12, owner: owner, clientToken: "token")
        let bare = ComputeFixtures.bareVolume(11, owner: owner)
        let foreign = ComputeFixtures.bareVolume(10, owner: other)
        for volume in [full, bare, foreign] {
            #expect(try await catalog.insertVolume(volume) == .inserted)
        }
        #expect(try await catalog.volume(id: full.id) == full, "every volume field must round trip")
        #expect(try await catalog.volume(id: bare.id) == bare, "nil fields and no tags must round trip")
        #expect(try await catalog.volume(id: ComputeFixtures.volumeId(999)) == nil)

        #expect(try await catalog.volumes(ownerId: owner.id, ids: nil) == [bare, full], "by id, owner only")
        #expect(try await catalog.volumes(ownerId: other.id, ids: nil) == [foreign])
        let selected = try await catalog.volumes(
            ownerId: owner.id, ids: [full.id, foreign.id, ComputeFixtures.volumeId(999), full.id])
        #expect(selected == [full], "ids select the owner's volumes; unknown, foreign and repeated ids add nothing")
        #expect(try await catalog.volumes(ownerId: owner.id, ids: []) == [])

        var duplicate = ComputeFixtures.bareVolume(11, owner: owner)
        duplicate.sizeGiB = 99
        await #expect(throws: (any Error).self, "a duplicate volume id must throw") {
            _ = try await catalog.insertVolume(duplicate)
        }
        #expect(try await catalog.volume(id: bare.id) == bare, "a failed insert must not change the stored one")
    }

    /// A reused client token returns the stored volume and stores nothing; tokens are scoped by
    /// owner and by resource type; volumes without a token never conflict.
    static func volumeClientTokens(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, other) = try await owners(catalog)
        let first = ComputeFixtures.volume(1, owner: owner, clientToken: "token")
        #expect(try await catalog.insertVolume(first) == .inserted)
        var reuse = ComputeFixtures.bareVolume(2, owner: owner, clientToken: "token")
        reuse.tags = [Tag(key: "k", value: "v")]
        #expect(try await catalog.insertVolume(reuse) == .clientTokenExists(first))
        #expect(try await catalog.volume(id: reuse.id) == nil, "a reused token must store nothing")
        #expect(try await catalog.resourceTags(ownerId: owner.id).allSatisfy { $0.resourceId != reuse.id })

        #expect(
            try await catalog.insertVolume(ComputeFixtures.bareVolume(3, owner: other, clientToken: "token"))
                == .inserted)
        var snapshot = CatalogFixtures.pendingSnapshot(4, owner: owner, clientToken: "token")
        snapshot.volumeId = first.id
        #expect(try await catalog.insertSnapshot(snapshot) == .inserted, "volume and snapshot tokens are separate")
        for n in 5...6 {
            #expect(try await catalog.insertVolume(ComputeFixtures.bareVolume(n, owner: owner)) == .inserted)
        }
        #expect(try await catalog.volumes(ownerId: owner.id, ids: nil).count == 3)
    }

    /// An update replaces every field but the tags; each state and an attachment round trip;
    /// an unknown volume is not created.
    static func updateVolume(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, _) = try await owners(catalog)
        let instance = ComputeFixtures.instance(1, owner: owner)
        #expect(try await catalog.insertInstance(instance, volumes: []) == .inserted)
        let original = ComputeFixtures.bareVolume(1, owner: owner)
        _ = try await catalog.insertVolume(original)

        var changed = ComputeFixtures.volume(1, owner: owner)
        changed.tags = [Tag(key: "ignored", value: "by update")]
        changed.attachment = VolumeAttachmentRecord(
            instanceId: instance.id, device: "/dev/sdf", attachTime: CatalogFixtures.time(42),
            deleteOnTermination: false)
        changed.state = .inUse
        #expect(try await catalog.updateVolume(changed))
        var expected = changed
        expected.tags = original.tags
        #expect(try await catalog.volume(id: original.id) == expected, "update replaces the row, not the tags")
        #expect(try await catalog.attachedVolumes(instanceId: instance.id) == [expected])

        for state in VolumeState.allCases {
            var moved = expected
            moved.state = state
            moved.attachment = nil
            #expect(try await catalog.updateVolume(moved))
            #expect(try await catalog.volume(id: original.id) == moved, "state \(state.rawValue) must round trip")
        }
        #expect(try await catalog.attachedVolumes(instanceId: instance.id) == [], "a detached volume is not listed")
        #expect(try await catalog.updateVolume(ComputeFixtures.bareVolume(99, owner: owner)) == false)
        #expect(try await catalog.volume(id: ComputeFixtures.volumeId(99)) == nil, "update never inserts")
    }

    /// Deleting a volume removes it and its tags, nothing else; deleting it again is harmless.
    static func deleteVolume(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, _) = try await owners(catalog)
        let doomed = ComputeFixtures.volume(1, owner: owner)
        let kept = ComputeFixtures.volume(2, owner: owner)
        _ = try await catalog.insertVolume(doomed)
        _ = try await catalog.insertVolume(kept)
        try await catalog.deleteVolume(id: doomed.id)
        #expect(try await catalog.volume(id: doomed.id) == nil)
        #expect(try await catalog.volumes(ownerId: owner.id, ids: nil) == [kept])
        let tagged = Set(try await catalog.resourceTags(ownerId: owner.id).map(\.resourceId))
        #expect(tagged == [kept.id], "a deleted volume's tags go with it")
        try await catalog.deleteVolume(id: doomed.id)
        let reused = ComputeFixtures.bareVolume(1, owner: owner)
        #expect(try await catalog.insertVolume(reused) == .inserted)
        #expect(try await catalog.volume(id: reused.id)?.tags == [], "no tags survive into a reused id")
    }
}

import BlockSnapCore
import Foundation
import Testing

extension ComputeCatalogConformance {
    /// Tags go on snapshots, volumes and instances; an overwritten key keeps its place, new keys
    /// go last, a key given twice ends with the last value; records show the stored order.
    static func putTags(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, _) = try await owners(catalog)
        let snapshot = CatalogFixtures.fullSnapshot(1, owner: owner)
        let volume = ComputeFixtures.volume(1, owner: owner)
        let instance = ComputeFixtures.instance(1, owner: owner)
        _ = try await catalog.insertSnapshot(snapshot)
        _ = try await catalog.insertVolume(volume)
        _ = try await catalog.insertInstance(instance, volumes: [])

        let put = [Tag(key: "mid", value: "new ✓"), Tag(key: "added", value: "x"), Tag(key: "added", value: "y")]
        try await catalog.putTags(put, on: [snapshot.id, volume.id, instance.id, volume.id], ownerId: owner.id)
        let snapshotTags = try await catalog.snapshot(id: snapshot.id)?.tags
        #expect(
            snapshotTags == [
                Tag(key: "zeta", value: "1"), Tag(key: "Alpha", value: ""), Tag(key: "mid", value: "new ✓"),
                Tag(key: "added", value: "y"),
            ], "an overwritten key keeps its place, a new key goes last, the last value wins")
        #expect(
            try await catalog.volume(id: volume.id)?.tags == volume.tags + [
                Tag(key: "mid", value: "new ✓"), Tag(key: "added", value: "y"),
            ])
        #expect(
            try await catalog.instance(id: instance.id)?.tags
                == instance.tags + [Tag(key: "mid", value: "new ✓"), Tag(key: "added", value: "y")])
        #expect(try await catalog.snapshots(ownerId: owner.id).first?.tags == snapshotTags)

        try await catalog.putTags([], on: [snapshot.id], ownerId: owner.id)
        try await catalog.putTags([Tag(key: "zeta", value: "2")], on: [], ownerId: owner.id)
        #expect(try await catalog.snapshot(id: snapshot.id)?.tags == snapshotTags, "empty lists change nothing")
    }

    /// A resource that doesn't exist, or belongs to another owner, or isn't a taggable id,
    /// fails the whole call: no resource of it changes.
    static func putTagsIsAllOrNothing(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, other) = try await owners(catalog)
        let mine = ComputeFixtures.volume(1, owner: owner)
        let theirs = ComputeFixtures.volume(2, owner: other)
        _ = try await catalog.insertVolume(mine)
        _ = try await catalog.insertVolume(theirs)
        let tag = Tag(key: "new", value: "1")
        for bad in [ComputeFixtures.volumeId(99), theirs.id, CatalogFixtures.snapshotId(1), "ami-12345678", ""] {
            await #expect(throws: (any Error).self, "tagging \(bad) as \(owner.id) must throw") {
                try await catalog.putTags([tag], on: [mine.id, bad], ownerId: owner.id)
            }
            await #expect(throws: (any Error).self, "deleting tags of \(bad) as \(owner.id) must throw") {
                try await catalog.deleteTags([(key: "Name", value: nil)], from: [mine.id, bad], ownerId: owner.id)
            }
        }
        #expect(try await catalog.volume(id: mine.id) == mine, "a failed call changes no resource")
        #expect(try await catalog.volume(id: theirs.id) == theirs, "another owner's resource is never touched")
    }

    /// A resource may carry 50 tags: a call that would leave 51 on any resource fails whole;
    /// overwriting at 50 is fine.
    static func tagLimit(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, _) = try await owners(catalog)
        var full = CatalogFixtures.pendingSnapshot(1, owner: owner)
        full.tags = (0..<49).map { Tag(key: "k\($0)", value: "\($0)") }
        let roomy = ComputeFixtures.bareVolume(1, owner: owner)
        _ = try await catalog.insertSnapshot(full)
        _ = try await catalog.insertVolume(roomy)

        try await catalog.putTags([Tag(key: "k49", value: "49")], on: [full.id], ownerId: owner.id)
        let fifty = (0..<50).map { Tag(key: "k\($0)", value: "\($0)") }
        #expect(try await catalog.snapshot(id: full.id)?.tags == fifty, "50 tags are allowed")
        await #expect(throws: (any Error).self, "a 51st tag must throw") {
            try await catalog.putTags([Tag(key: "new", value: "")], on: [roomy.id, full.id], ownerId: owner.id)
        }
        #expect(try await catalog.snapshot(id: full.id)?.tags == fifty)
        #expect(try await catalog.volume(id: roomy.id)?.tags == [], "the limit failure changes no resource")

        try await catalog.putTags([Tag(key: "k0", value: "changed")], on: [full.id], ownerId: owner.id)
        #expect(try await catalog.snapshot(id: full.id)?.tags.first == Tag(key: "k0", value: "changed"))
        let tooMany = (0..<51).map { Tag(key: "t\($0)", value: "") }
        await #expect(throws: (any Error).self, "51 tags at once must throw") {
            try await catalog.putTags(tooMany, on: [roomy.id], ownerId: owner.id)
        }
        try await catalog.putTags(Array(tooMany.prefix(50)), on: [roomy.id], ownerId: owner.id)
        #expect(try await catalog.volume(id: roomy.id)?.tags.count == 50)
    }

    /// A key alone removes the key; key and value remove it only with that value (an empty
    /// value matches only the empty value); absent keys are ignored; the rest keep their order
    /// and a new key still goes last.
    static func deleteTags(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, _) = try await owners(catalog)
        let volume = ComputeFixtures.volume(1, owner: owner)  // Name, empty, A
        var snapshot = CatalogFixtures.pendingSnapshot(1, owner: owner)
        snapshot.tags = [Tag(key: "A", value: "1"), Tag(key: "B", value: "2"), Tag(key: "C", value: "")]
        _ = try await catalog.insertVolume(volume)
        _ = try await catalog.insertSnapshot(snapshot)

        try await catalog.deleteTags(
            [
                (key: "A", value: "other"), (key: "Name", value: nil), (key: "absent", value: nil),
                (key: "C", value: ""),
            ],
            from: [volume.id, snapshot.id], ownerId: owner.id)
        #expect(
            try await catalog.volume(id: volume.id)?.tags == [Tag(key: "empty", value: ""), Tag(key: "A", value: "1")])
        #expect(
            try await catalog.snapshot(id: snapshot.id)?.tags == [
                Tag(key: "A", value: "1"), Tag(key: "B", value: "2"),
            ],
            "a value removes only that key=value")
        try await catalog.deleteTags(
            [(key: "A", value: "1"), (key: "empty", value: "x")], from: [volume.id], ownerId: owner.id)
        #expect(try await catalog.volume(id: volume.id)?.tags == [Tag(key: "empty", value: "")])
        try await catalog.deleteTags([(key: "empty", value: "")], from: [volume.id], ownerId: owner.id)
        #expect(try await catalog.volume(id: volume.id)?.tags == [], "an empty value matches the empty value")

        try await catalog.deleteTags([(key: "A", value: nil)], from: [snapshot.id], ownerId: owner.id)
        try await catalog.putTags([Tag(key: "A", value: "again")], on: [snapshot.id], ownerId: owner.id)
        #expect(
            try await catalog.snapshot(id: snapshot.id)?.tags
                == [Tag(key: "B", value: "2"), Tag(key: "A", value: "again")], "a re-added key goes last")
        try await catalog.deleteTags([], from: [snapshot.id], ownerId: owner.id)
        #expect(try await catalog.snapshot(id: snapshot.id)?.tags.count == 2, "an empty list removes nothing")
    }

    /// Every tag of the owner's resources, typed by resource, by resource id then stored order.
    static func resourceTags(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, other) = try await owners(catalog)
        var snapshot = CatalogFixtures.pendingSnapshot(1, owner: owner)
        snapshot.tags = [Tag(key: "z", value: "1"), Tag(key: "a", value: "2")]
        let volume = ComputeFixtures.volume(1, owner: owner)
        let instance = ComputeFixtures.instance(1, owner: owner)
        let foreign = ComputeFixtures.volume(2, owner: other)
        _ = try await catalog.insertSnapshot(snapshot)
        _ = try await catalog.insertVolume(volume)
        _ = try await catalog.insertInstance(instance, volumes: [])
        _ = try await catalog.insertVolume(foreign)

        let expected =
            instance.tags.map { ResourceTag(resourceId: instance.id, resourceType: "instance", tag: $0) }
            + snapshot.tags.map { ResourceTag(resourceId: snapshot.id, resourceType: "snapshot", tag: $0) }
            + volume.tags.map { ResourceTag(resourceId: volume.id, resourceType: "volume", tag: $0) }
        #expect(try await catalog.resourceTags(ownerId: owner.id) == expected, "by resource id, then stored order")
        #expect(
            try await catalog.resourceTags(ownerId: other.id).map(\.resourceId) == [foreign.id, foreign.id, foreign.id])
        #expect(try await catalog.resourceTags(ownerId: "999999999999") == [])
    }
}

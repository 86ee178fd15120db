import BlockSnapCore
import Foundation
import Testing

extension ComputeCatalogConformance {
    /// An instance and its volumes are stored together and round trip; lists are by id and
    /// owner only; attached volumes come by attach time, then device.
    static func instanceRoundTrip(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, other) = try await owners(catalog)
        let instance = ComputeFixtures.instance(2, owner: owner, clientToken: "run")
        let data = ComputeFixtures.attachedVolume(20, owner: owner, instanceId: instance.id, device: "/dev/sdb")
        let root = ComputeFixtures.attachedVolume(
            21, owner: owner, instanceId: instance.id, device: "/dev/xvda", deleteOnTermination: false)
        var bare = ComputeFixtures.instance(1, owner: owner)
        bare.tags = []
        bare.clientToken = nil
        let foreign = ComputeFixtures.instance(3, owner: other)
        #expect(try await catalog.insertInstance(instance, volumes: [root, data]) == .inserted)
        #expect(try await catalog.insertInstance(bare, volumes: []) == .inserted)
        #expect(try await catalog.insertInstance(foreign, volumes: []) == .inserted)

        #expect(try await catalog.instance(id: instance.id) == instance, "every instance field must round trip")
        #expect(try await catalog.instance(id: bare.id) == bare)
        #expect(try await catalog.instance(id: ComputeFixtures.instanceId(999)) == nil)
        #expect(try await catalog.volume(id: root.id) == root, "an instance's volumes are stored with it")
        #expect(try await catalog.volume(id: data.id) == data)
        #expect(
            try await catalog.attachedVolumes(instanceId: instance.id) == [data, root],
            "attached volumes by attach time, then device")
        #expect(try await catalog.attachedVolumes(instanceId: bare.id) == [])

        #expect(try await catalog.instances(ownerId: owner.id, ids: nil) == [bare, instance], "by id, owner only")
        #expect(try await catalog.instances(ownerId: other.id, ids: nil) == [foreign])
        #expect(
            try await catalog.instances(
                ownerId: owner.id, ids: [instance.id, foreign.id, ComputeFixtures.instanceId(9)])
                == [instance], "ids select the owner's instances")
        #expect(try await catalog.instances(ownerId: owner.id, ids: []) == [])

        // Several instances at once: one list per instance that has volumes, each in order.
        let second = ComputeFixtures.instance(4, owner: owner)
        let secondRoot = ComputeFixtures.attachedVolume(40, owner: owner, instanceId: second.id, device: "/dev/xvda")
        #expect(try await catalog.insertInstance(second, volumes: [secondRoot]) == .inserted)
        #expect(
            try await catalog.attachedVolumes(instanceIds: [second.id, bare.id, instance.id, foreign.id])
                == [instance.id: [data, root], second.id: [secondRoot]])
        #expect(try await catalog.attachedVolumes(instanceIds: []) == [:])
    }

    /// A reused client token returns the stored instance and stores neither the new instance
    /// nor its volumes; tokens are scoped by owner.
    static func instanceClientTokens(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, other) = try await owners(catalog)
        let first = ComputeFixtures.instance(1, owner: owner, clientToken: "token")
        #expect(try await catalog.insertInstance(first, volumes: []) == .inserted)
        let second = ComputeFixtures.instance(2, owner: owner, clientToken: "token")
        let volume = ComputeFixtures.attachedVolume(2, owner: owner, instanceId: second.id, device: "/dev/xvda")
        #expect(try await catalog.insertInstance(second, volumes: [volume]) == .clientTokenExists(first))
        #expect(try await catalog.instance(id: second.id) == nil, "a reused token must store nothing")
        #expect(try await catalog.volume(id: volume.id) == nil, "nor the volumes given with it")

        let foreign = ComputeFixtures.instance(3, owner: other, clientToken: "token")
        #expect(try await catalog.insertInstance(foreign, volumes: []) == .inserted, "tokens are scoped by owner")
        let volumeWithToken = ComputeFixtures.volume(4, owner: owner, clientToken: "token")
        #expect(try await catalog.insertVolume(volumeWithToken) == .inserted, "instance and volume tokens are separate")
    }

    /// If one of the volumes cannot be stored, neither the instance nor any volume is.
    static func insertInstanceIsAtomic(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, _) = try await owners(catalog)
        let existing = ComputeFixtures.bareVolume(7, owner: owner)
        _ = try await catalog.insertVolume(existing)
        let instance = ComputeFixtures.instance(1, owner: owner)
        let fresh = ComputeFixtures.attachedVolume(6, owner: owner, instanceId: instance.id, device: "/dev/xvda")
        let clash = ComputeFixtures.attachedVolume(7, owner: owner, instanceId: instance.id, device: "/dev/sdb")
        await #expect(throws: (any Error).self, "a volume id that exists must fail the whole insert") {
            _ = try await catalog.insertInstance(instance, volumes: [fresh, clash])
        }
        #expect(try await catalog.instance(id: instance.id) == nil, "a failed insertInstance stores no instance")
        #expect(try await catalog.volume(id: fresh.id) == nil, "nor any of its volumes")
        #expect(try await catalog.volume(id: existing.id) == existing)
        #expect(try await catalog.resourceTags(ownerId: owner.id) == [], "nor any tag")
    }

    /// An update replaces every field but the tags; every state round trips; an unknown
    /// instance is not created.
    static func updateInstance(_ catalog: any Catalog & ComputeCatalog) async throws {
        let (owner, _) = try await owners(catalog)
        let instance = ComputeFixtures.instance(1, owner: owner, clientToken: "token")
        _ = try await catalog.insertInstance(instance, volumes: [])
        for state in InstanceState.allCases {
            var changed = instance
            changed.state = state
            changed.instanceType = "m5.\(state.rawValue)"
            changed.launchTime = CatalogFixtures.time(Int64(state.code))
            changed.tags = []
            #expect(try await catalog.updateInstance(changed))
            changed.tags = instance.tags
            #expect(try await catalog.instance(id: instance.id) == changed, "state \(state.rawValue) must round trip")
        }
        #expect(try await catalog.updateInstance(ComputeFixtures.instance(2, owner: owner)) == false)
        #expect(try await catalog.instance(id: ComputeFixtures.instanceId(2)) == nil, "update never inserts")
    }
}

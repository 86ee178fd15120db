import BlockEngine
import BlockSnapCore
import Services
import Testing

@Suite struct VolumeSnapshotTests {
    @Test func snapshotHoldsTheContentAtTheCallWhileWritesGoOn() async throws {
        let h = try await EC2Harness()
        let volume = try await h.volumes.createVolume(
            CreateVolumeInput(sizeGiB: 1, availabilityZone: "us-east-1a"), owner: h.owner)
        let a = EC2Harness.pattern(1)
        let b = EC2Harness.pattern(2)
        for index in 0..<8 { try await h.store.write(volumeId: volume.id, offset: Int64(index * 524_288), bytes: a) }
        try await h.withCapturer {
            let snapshot = try await h.snapshots.createSnapshot(
                volumeId: volume.id, description: "a", tags: [], outpostArn: nil, dryRun: nil, owner: h.owner)
            #expect(snapshot.status == .pending)
            // Pattern B lands on the same blocks while the snapshot is pending.
            for index in 0..<8 { try await h.store.write(volumeId: volume.id, offset: Int64(index * 524_288), bytes: b) }
            let done = try await h.settled(snapshot.id)
            #expect(done.status == .completed && done.progress == 100)
            let blocks = try await h.base.readAll(snapshot.id)
            #expect(blocks.count == 8)
            #expect(blocks.values.allSatisfy { $0 == a })
            // The next snapshot holds B and differs from the first in exactly those blocks.
            let second = try await h.snapshots.createSnapshot(
                volumeId: volume.id, description: nil, tags: [], outpostArn: nil, dryRun: nil, owner: h.owner)
            _ = try await h.settled(second.id)
            #expect(try await h.base.readAll(second.id).values.allSatisfy { $0 == b })
            let changes = try await h.base.service.listChangedBlocks(
                firstSnapshotId: snapshot.id, secondSnapshotId: second.id, paging: BlockListingInput(), owner: h.owner)
            #expect(changes.items.map(\.index) == Array(0..<8))
            // A snapshot of the unchanged volume writes nothing and differs in nothing.
            let objects = try await h.base.objectCount()
            let third = try await h.snapshots.createSnapshot(
                volumeId: volume.id, description: nil, tags: [], outpostArn: nil, dryRun: nil, owner: h.owner)
            #expect(try await h.settled(third.id).changedBlocksCount == 0)
            #expect(try await h.base.objectCount() == objects)
            let none = try await h.base.service.listChangedBlocks(
                firstSnapshotId: second.id, secondSnapshotId: third.id, paging: BlockListingInput(), owner: h.owner)
            #expect(none.items.isEmpty)
        }
    }

    /// A snapshot of a freshly written volume, created while no capturer runs.
    private static func pendingSnapshot(_ h: EC2Harness) async throws -> SnapshotRecord {
        let volume = try await h.volumes.createVolume(
            CreateVolumeInput(sizeGiB: 1, availabilityZone: "us-east-1a"), owner: h.owner)
        try await h.store.write(volumeId: volume.id, offset: 0, bytes: EC2Harness.pattern(3))
        return try await h.snapshots.createSnapshot(
            volumeId: volume.id, description: nil, tags: [], outpostArn: nil, dryRun: nil, owner: h.owner)
    }

    @Test func startingTheCapturerLeavesASnapshotCreatedJustBeforeAlone() async throws {
        let h = try await EC2Harness()
        // Created before the capturer runs, as a request may be served while the server's
        // services start: starting the capturer must not take it for one left by a crash.
        let snapshot = try await Self.pendingSnapshot(h)
        let done = try await h.withCapturer { try await h.settled(snapshot.id) }
        #expect(done.status == .completed)
    }

    @Test func snapshotsLeftPendingByAPreviousRunAreFailedAtStartup() async throws {
        let h = try await EC2Harness()
        let snapshot = try await Self.pendingSnapshot(h)
        try await h.capturer.failInterrupted()
        let failed = try #require(try await h.base.catalog.snapshot(id: snapshot.id))
        #expect(failed.status == .error)
        #expect(failed.statusMessage?.contains("interrupted") == true)
    }

    @Test func volumeFromSnapshotReadsItLazilyAndItsSnapshotSharesEverything() async throws {
        let h = try await EC2Harness()
        let source = try await h.base.service.startSnapshot(StartSnapshotInput(volumeSizeGiB: 1), owner: h.owner)
        let original = [ServiceHarness.block(1), ServiceHarness.block(2)]
        for (index, data) in original.enumerated() { try await h.base.put(source.id, Int64(index * 10), data) }
        _ = try await h.base.complete(source.id, 2)
        let volume = try await h.volumes.createVolume(
            CreateVolumeInput(snapshotId: source.id, availabilityZone: "us-east-1b"), owner: h.owner)
        #expect(volume.sizeGiB == 1)
        #expect(try await h.store.read(volumeId: volume.id, offset: 10 * 524_288, length: 524_288) == original[1])
        try await h.withCapturer {
            let snapshot = try await h.snapshots.createSnapshot(
                volumeId: volume.id, description: nil, tags: [], outpostArn: nil, dryRun: nil, owner: h.owner)
            _ = try await h.settled(snapshot.id)
            #expect(try await h.base.readAll(snapshot.id) == [0: original[0], 10: original[1]])
            let changes = try await h.base.service.listChangedBlocks(
                firstSnapshotId: source.id, secondSnapshotId: snapshot.id, paging: BlockListingInput(), owner: h.owner)
            #expect(changes.items.isEmpty)
        }
    }

    @Test func createSnapshotsTakesOneInstantForEveryIncludedVolume() async throws {
        let h = try await EC2Harness()
        let views = try await h.instances.runInstances(
            RunInstancesInput(
                imageId: "ami-1", minCount: 1, maxCount: 1,
                mappings: [
                    BlockDeviceMappingInput(deviceName: "/dev/xvda", volumeSizeGiB: 1),
                    BlockDeviceMappingInput(deviceName: "/dev/sdf", volumeSizeGiB: 1),
                    BlockDeviceMappingInput(deviceName: "/dev/sdg", volumeSizeGiB: 1),
                ]), owner: h.owner)
        let instance = views[0].instance
        let volumes = views[0].volumes
        #expect(volumes.count == 3)
        let root = volumes.first { $0.attachment?.device == "/dev/xvda" }!
        let data = volumes.filter { $0.id != root.id }
        let rootError = await #expect(throws: ServiceError.self) {
            _ = try await h.snapshots.createSnapshots(
                InstanceSpecificationInput(instanceId: instance.id, excludeDataVolumeIds: [root.id]), description: nil,
                tags: [], copyTagsFromVolume: false, outpostArn: nil, dryRun: nil, owner: h.owner)
        }
        #expect(rootError?.code == .invalidParameterValue)
        try await h.withCapturer {
            let taken = try await h.snapshots.createSnapshots(
                InstanceSpecificationInput(instanceId: instance.id, excludeBootVolume: true, excludeDataVolumeIds: [data[1].id]),
                description: "d", tags: [Tag(key: "k", value: "v")], copyTagsFromVolume: false, outpostArn: nil, dryRun: nil,
                owner: h.owner)
            #expect(taken.map(\.volumeId) == [data[0].id])
            let all = try await h.snapshots.createSnapshots(
                InstanceSpecificationInput(instanceId: instance.id), description: nil, tags: [], copyTagsFromVolume: false,
                outpostArn: nil, dryRun: nil, owner: h.owner)
            #expect(all.count == 3)
            #expect(Set(all.map(\.startTime)).count == 1)
            for snapshot in all + taken { #expect(try await h.settled(snapshot.id).status == .completed) }
        }
    }
}

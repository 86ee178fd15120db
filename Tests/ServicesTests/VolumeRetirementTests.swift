import BlockEngine
import BlockSnapCore
import Services
import Testing

/// DeleteVolume (and TerminateInstances with DeleteOnTermination) while a snapshot of the
/// volume is pending: the snapshot still completes with the volume's content at its instant.
@Suite struct VolumeRetirementTests {
    /// A 1 GiB volume with pattern 4 in blocks 0–3 and a pending snapshot of it (no capturer runs yet).
    private static func volumeWithPendingSnapshot(_ h: EC2Harness) async throws -> (VolumeRecord, SnapshotRecord) {
        let volume = try await h.volumes.createVolume(
            CreateVolumeInput(sizeGiB: 1, availabilityZone: "us-east-1a"), owner: h.owner)
        for index in 0..<4 {
            try await h.store.write(volumeId: volume.id, offset: Int64(index * 524_288), bytes: EC2Harness.pattern(4))
        }
        let snapshot = try await h.snapshots.createSnapshot(
            volumeId: volume.id, description: nil, tags: [], outpostArn: nil, dryRun: nil, owner: h.owner)
        return (volume, snapshot)
    }

    /// Waits (at most ~10 s) until the volume is gone from the catalog and the data plane.
    private static func gone(_ h: EC2Harness, _ volumeId: String) async throws -> Bool {
        for _ in 0..<200 {
            if try await h.base.catalog.volume(id: volumeId) == nil,
                try await !h.store.storedVolumeIds().contains(volumeId)
            {
                return true
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test func aVolumeDeletedWhileItsSnapshotIsPendingGoesAfterTheCapture() async throws {
        let h = try await EC2Harness()
        let (volume, snapshot) = try await Self.volumeWithPendingSnapshot(h)
        try await h.volumes.deleteVolume(volume.id, dryRun: nil, owner: h.owner)
        let deleting = try #require(try await h.base.catalog.volume(id: volume.id))
        #expect(deleting.state == .deleting)
        // Being deleted, it takes no new snapshot, attachment or modification.
        #expect(
            await serviceErrorCode {
                _ = try await h.snapshots.createSnapshot(
                    volumeId: volume.id, description: nil, tags: [], outpostArn: nil, dryRun: nil, owner: h.owner)
            } == .incorrectState)
        #expect(
            await serviceErrorCode {
                _ = try await h.volumes.modifyVolume(
                    volume.id, sizeGiB: 2, volumeType: nil, iops: nil, throughput: nil, dryRun: nil, owner: h.owner)
            } == .incorrectState)

        let done = try await h.withCapturer {
            let done = try await h.settled(snapshot.id)
            #expect(try await Self.gone(h, volume.id))
            return done
        }
        #expect(done.status == .completed)
        let blocks = try await h.base.readAll(snapshot.id)
        #expect(blocks.count == 4 && blocks.values.allSatisfy { $0 == EC2Harness.pattern(4) })
    }

    @Test func aVolumeWithoutPendingSnapshotsIsDeletedAtOnce() async throws {
        let h = try await EC2Harness()
        let volume = try await h.volumes.createVolume(
            CreateVolumeInput(sizeGiB: 1, availabilityZone: "us-east-1a"), owner: h.owner)
        try await h.volumes.deleteVolume(volume.id, dryRun: nil, owner: h.owner)
        #expect(try await h.base.catalog.volume(id: volume.id) == nil)
        #expect(try await !h.store.storedVolumeIds().contains(volume.id))
    }

    @Test func aVolumeLeftDeletingByARestartIsRemovedAtStartup() async throws {
        let h = try await EC2Harness()
        let (volume, snapshot) = try await Self.volumeWithPendingSnapshot(h)
        try await h.volumes.deleteVolume(volume.id, dryRun: nil, owner: h.owner)
        // As at startup: the interrupted capture is failed, then the volume goes.
        try await h.capturer.failInterrupted()
        try await h.context.retirement.removeLeftovers()
        #expect(try await h.base.catalog.snapshot(id: snapshot.id)?.status == .error)
        #expect(try await h.base.catalog.volume(id: volume.id) == nil)
        #expect(try await !h.store.storedVolumeIds().contains(volume.id))
    }
}

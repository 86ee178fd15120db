import BlockSnapCore
import Services
import Testing

/// CreateVolume: AvailabilityZoneId, Multi-Attach and VolumeInitializationRate.
@Suite struct CreateVolumeOptionTests {
    @Test func zoneIdsNameTheRegionsZonesInOrder() async throws {
        let h = try await EC2Harness()
        #expect(h.context.availabilityZones.map(AvailabilityZoneId.of(zone:)) == ["use1-az1", "use1-az2", "use1-az3"])
        let volume = try await h.volumes.createVolume(
            CreateVolumeInput(sizeGiB: 1, availabilityZoneId: "use1-az2"), owner: h.owner)
        #expect(volume.availabilityZone == "us-east-1b")
        #expect(AvailabilityZoneId.of(zone: "us-east-1c") == "use1-az3")
        let both = CreateVolumeInput(sizeGiB: 1, availabilityZone: "us-east-1a", availabilityZoneId: "use1-az1")
        #expect(await serviceErrorCode { _ = try await h.volumes.createVolume(both, owner: h.owner) } == .invalidParameterCombination)
        #expect(
            await serviceErrorCode { _ = try await h.volumes.createVolume(CreateVolumeInput(sizeGiB: 1), owner: h.owner) }
                == .missingParameter)
        let unknown = CreateVolumeInput(sizeGiB: 1, availabilityZoneId: "use1-az4")
        #expect(await serviceErrorCode { _ = try await h.volumes.createVolume(unknown, owner: h.owner) } == .invalidParameterValue)
    }

    @Test func multiAttachIsRefusedUntilSupportedAndOnlyIo1AndIo2CouldHaveIt() async throws {
        let h = try await EC2Harness()
        let io2 = CreateVolumeInput(
            sizeGiB: 4, availabilityZone: "us-east-1a", volumeType: "io2", iops: 100, multiAttachEnabled: true)
        #expect(await serviceErrorCode { _ = try await h.volumes.createVolume(io2, owner: h.owner) } == .invalidParameterValue)
        #expect(try await h.base.catalog.volumes(ownerId: h.owner.id, ids: nil).isEmpty, "nothing was created")
        let gp3 = CreateVolumeInput(sizeGiB: 4, availabilityZone: "us-east-1a", volumeType: "gp3", multiAttachEnabled: true)
        #expect(await serviceErrorCode { _ = try await h.volumes.createVolume(gp3, owner: h.owner) } == .invalidParameterCombination)
    }

    @Test func initializationRateNeedsASnapshot() async throws {
        let h = try await EC2Harness()
        let input = CreateVolumeInput(sizeGiB: 1, availabilityZone: "us-east-1a", volumeInitializationRate: 200)
        #expect(await serviceErrorCode { _ = try await h.volumes.createVolume(input, owner: h.owner) } == .invalidParameterCombination)
    }
}

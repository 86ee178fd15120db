import BlockSnapCore
import Services
import Testing

/// ModifyVolume: IOPS defaults on a type change and the rolling limit of 4 per 24 hours.
@Suite struct VolumeModificationTests {
    @Test func typeChangeWithoutIopsGets3000() async throws {
        let h = try await EC2Harness()
        for type in ["io1", "io2", "gp3"] {
            let volume = try await h.volumes.createVolume(
                CreateVolumeInput(sizeGiB: 10, availabilityZone: "us-east-1a"), owner: h.owner)
            let (_, after) = try await h.volumes.modifyVolume(
                volume.id, sizeGiB: nil, volumeType: type, iops: nil, throughput: nil, dryRun: nil, owner: h.owner)
            #expect(after.iops == 3000)
            #expect(after.throughput == (type == "gp3" ? 125 : nil))
        }
    }

    @Test func fourModificationsPerVolumeInARolling24Hours() async throws {
        let h = try await EC2Harness()
        let volume = try await h.volumes.createVolume(
            CreateVolumeInput(sizeGiB: 1, availabilityZone: "us-east-1a"), owner: h.owner)
        func grow(_ size: Int64) async throws {
            _ = try await h.volumes.modifyVolume(
                volume.id, sizeGiB: size, volumeType: nil, iops: nil, throughput: nil, dryRun: nil, owner: h.owner)
        }
        for size in Int64(2)...5 {
            try await grow(size)
            h.base.clock.advance(by: 3600)
        }
        #expect(await serviceErrorCode { try await grow(6) } == .volumeModificationRateExceeded)
        #expect(try await h.base.catalog.volume(id: volume.id)?.sizeGiB == 5)
        // 24 hours after the first one, one more fits; then the window is full again.
        h.base.clock.advance(by: 20 * 3600 + 1)
        try await grow(6)
        #expect(await serviceErrorCode { try await grow(7) } == .volumeModificationRateExceeded)
    }
}

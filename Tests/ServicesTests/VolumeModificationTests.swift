import BlockSnapCore
import Services
import Testing

/// ModifyVolume: IOPS defaults on a type change and the rolling limit of 4 per 24 hours.
@Suite struct VolumeModificationTests {
    @Test func typeChangeWithoutIopsGets3000() async throws {
        let h = try await EC2Harness()
        for type in ["io1", "io2", "gp3"] {
            // 60 GiB: io1 allows 50 IOPS per GiB.
            let volume = try await h.volumes.createVolume(
                CreateVolumeInput(sizeGiB: 60, availabilityZone: "us-east-1a"), owner: h.owner)
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

    @Test func aModificationThatChangesNothingIsRefusedAndNotCounted() async throws {
        let h = try await EC2Harness()
        let volume = try await h.volumes.createVolume(
            CreateVolumeInput(sizeGiB: 4, availabilityZone: "us-east-1a", volumeType: "gp3"), owner: h.owner)
        func modify(size: Int64? = nil, type: String? = nil, iops: Int? = nil, multiAttach: Bool? = nil) async throws {
            _ = try await h.volumes.modifyVolume(
                volume.id, sizeGiB: size, volumeType: type, iops: iops, throughput: nil, multiAttachEnabled: multiAttach,
                dryRun: nil, owner: h.owner)
        }
        for _ in 0..<5 {
            #expect(await serviceErrorCode { try await modify() } == .invalidParameterValue)
            #expect(await serviceErrorCode { try await modify(size: 4, type: "gp3", iops: 3000) } == .invalidParameterValue)
        }
        #expect(await serviceErrorCode { try await modify(size: 5, multiAttach: true) } == .invalidParameterValue)
        #expect(try await h.base.catalog.volume(id: volume.id)?.modificationTimes == [], "refusals are not counted")
        try await modify(size: 5, multiAttach: false)
        #expect(try await h.base.catalog.volume(id: volume.id)?.sizeGiB == 5)
    }

    @Test func iopsAndThroughputRatiosAreBounded() async throws {
        let h = try await EC2Harness()
        func create(_ size: Int64, _ type: String, iops: Int? = nil, throughput: Int? = nil) async -> ServiceError.Code? {
            await serviceErrorCode {
                _ = try await h.volumes.createVolume(
                    CreateVolumeInput(
                        sizeGiB: size, availabilityZone: "us-east-1a", volumeType: type, iops: iops, throughput: throughput),
                    owner: h.owner)
            }
        }
        // Baselines hold whatever the size: gp3's 3000 IOPS and 125 MiB/s on 1 GiB.
        #expect(await create(1, "gp3") == nil)
        #expect(await create(1, "gp3", iops: 3000, throughput: 125) == nil)
        #expect(await create(8, "gp3", iops: 4000) == nil)  // 500 per GiB
        #expect(await create(8, "gp3", iops: 4001) == .invalidParameterValue)
        #expect(await create(100, "gp3", iops: 4000, throughput: 1000) == nil)  // 0.25 MiB/s per IOPS
        #expect(await create(100, "gp3", iops: 4000, throughput: 1001) == .invalidParameterValue)
        #expect(await create(4, "io1", iops: 200) == nil)  // 50 per GiB
        #expect(await create(4, "io1", iops: 201) == .invalidParameterValue)
        #expect(await create(4, "io2", iops: 4000) == nil)  // 1000 per GiB
        #expect(await create(4, "io2", iops: 4001) == .invalidParameterValue)
        // ModifyVolume checks the volume it would make.
        let io1 = try await h.volumes.createVolume(
            CreateVolumeInput(sizeGiB: 4, availabilityZone: "us-east-1a", volumeType: "io1", iops: 100), owner: h.owner)
        #expect(
            await serviceErrorCode {
                _ = try await h.volumes.modifyVolume(
                    io1.id, sizeGiB: nil, volumeType: nil, iops: 64000, throughput: nil, dryRun: nil, owner: h.owner)
            } == .invalidParameterValue)
    }

    @Test func multiAttachStoredByAnEarlierVersionCanBeTurnedOff() async throws {
        let h = try await EC2Harness()
        var volume = try await h.volumes.createVolume(
            CreateVolumeInput(sizeGiB: 4, availabilityZone: "us-east-1a", volumeType: "io2", iops: 100), owner: h.owner)
        volume.multiAttachEnabled = true
        _ = try await h.base.catalog.updateVolume(volume)
        let (before, after) = try await h.volumes.modifyVolume(
            volume.id, sizeGiB: nil, volumeType: nil, iops: nil, throughput: nil, multiAttachEnabled: false,
            dryRun: nil, owner: h.owner)
        #expect(before.multiAttachEnabled && !after.multiAttachEnabled)
        #expect(try await h.base.catalog.volume(id: volume.id)?.multiAttachEnabled == false)
    }
}

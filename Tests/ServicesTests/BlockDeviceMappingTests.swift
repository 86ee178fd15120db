import BlockSnapCore
import Services
import Testing

/// RunInstances block device mappings: only EBS mappings make volumes.
@Suite struct BlockDeviceMappingTests {
    private static let ami = "ami-0abcdef1234567890"

    @Test func noDeviceAndVirtualNameMakeNoVolume() async throws {
        let h = try await EC2Harness()
        let mappings = [
            BlockDeviceMappingInput(deviceName: "/dev/xvda", volumeSizeGiB: 2),
            BlockDeviceMappingInput(deviceName: "/dev/sdb", virtualName: "ephemeral0"),
            BlockDeviceMappingInput(deviceName: "/dev/sdc", noDevice: true),
        ]
        let view = try await h.instances.runInstances(
            RunInstancesInput(imageId: Self.ami, minCount: 1, maxCount: 1, mappings: mappings), owner: h.owner)[0]
        #expect(view.volumes.map { $0.attachment?.device } == ["/dev/xvda"])
        #expect(try await h.base.catalog.volumes(ownerId: h.owner.id, ids: nil).count == 1)

        let bare = try await h.instances.runInstances(
            RunInstancesInput(
                imageId: Self.ami, minCount: 1, maxCount: 1,
                mappings: [BlockDeviceMappingInput(deviceName: "/dev/xvda", noDevice: true)]),
            owner: h.owner)[0]
        #expect(bare.volumes.isEmpty)
        #expect(try await h.base.catalog.attachedVolumes(instanceId: bare.instance.id).isEmpty)
    }
}

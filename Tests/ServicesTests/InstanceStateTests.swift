import BlockSnapCore
import Services
import Testing

/// Instance-state checks answer `IncorrectInstanceState`.
@Suite struct InstanceStateTests {
    private static let ami = "ami-0abcdef1234567890"

    @Test func aTerminatedInstanceIsInTheWrongState() async throws {
        let h = try await EC2Harness()
        let view = try await h.instances.runInstances(
            RunInstancesInput(imageId: Self.ami, minCount: 1, maxCount: 1), owner: h.owner)[0]
        let id = view.instance.id
        _ = try await h.instances.transition([id], to: .terminate, dryRun: nil, owner: h.owner)
        for transition in [InstanceService.Transition.start, .stop] {
            #expect(
                await serviceErrorCode { _ = try await h.instances.transition([id], to: transition, dryRun: nil, owner: h.owner) }
                    == .incorrectInstanceState)
        }
        let volume = try await h.volumes.createVolume(
            CreateVolumeInput(sizeGiB: 1, availabilityZone: view.instance.availabilityZone), owner: h.owner)
        #expect(
            await serviceErrorCode {
                _ = try await h.instances.attachVolume(volume.id, instanceId: id, device: "/dev/sdf", dryRun: nil, owner: h.owner)
            } == .incorrectInstanceState)
    }
}

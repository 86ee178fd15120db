import BlockSnapCore
import Services
import Testing

/// Concurrent changes to one volume or instance: each call either happens or is refused with
/// the error a client can act on, never an internal error, and what is reported happened.
@Suite struct ConcurrentMutationTests {
    private static let ami = "ami-0abcdef1234567890"

    @Test func concurrentModifyVolumeCallsGrowOrAreRefusedNeverFailInternally() async throws {
        let h = try await EC2Harness()
        let volume = try await h.volumes.createVolume(
            CreateVolumeInput(sizeGiB: 1, availabilityZone: "us-east-1a"), owner: h.owner)
        // Eight sizes at once: a call that arrives after a larger one is a shrink (refused);
        // the rolling limit allows four changes.
        let outcomes = await withTaskGroup(of: (size: Int64, code: ServiceError.Code?).self) { group in
            for size in Int64(2)...9 {
                group.addTask {
                    let code = await serviceErrorCode {
                        _ = try await h.volumes.modifyVolume(
                            volume.id, sizeGiB: size, volumeType: nil, iops: nil, throughput: nil, dryRun: nil,
                            owner: h.owner)
                    }
                    return (size, code)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let codes = outcomes.map(\.code)
        #expect(!codes.contains(.internalError), "\(codes)")
        #expect(codes.allSatisfy { $0 == nil || $0 == .invalidParameterValue || $0 == .volumeModificationRateExceeded })
        #expect(codes.contains(nil))
        let stored = try #require(try await h.base.catalog.volume(id: volume.id))
        #expect(stored.sizeGiB >= 2)
        // No lost update: the volume has the largest size any accepted call asked for.
        let accepted = outcomes.filter { $0.code == nil }.map(\.size)
        #expect(stored.sizeGiB == accepted.max(), "accepted \(accepted)")
        #expect(accepted.count <= 4, "the rolling limit allows four changes")
    }

    @Test func oneVolumeAttachedToTwoInstancesAtOnceEndsOnExactlyOne() async throws {
        let h = try await EC2Harness()
        let instances = try await h.instances.runInstances(
            RunInstancesInput(imageId: Self.ami, minCount: 2, maxCount: 2), owner: h.owner).map(\.instance)
        let volume = try await h.volumes.createVolume(
            CreateVolumeInput(sizeGiB: 1, availabilityZone: instances[0].availabilityZone), owner: h.owner)
        let codes = await withTaskGroup(of: ServiceError.Code?.self) { group in
            for instance in instances {
                group.addTask {
                    await serviceErrorCode {
                        _ = try await h.instances.attachVolume(
                            volume.id, instanceId: instance.id, device: "/dev/sdf", dryRun: nil, owner: h.owner)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(codes.filter { $0 == nil }.count == 1, "\(codes)")
        #expect(codes.filter { $0 == .volumeInUse }.count == 1, "\(codes)")
        let stored = try #require(try await h.base.catalog.volume(id: volume.id))
        #expect(stored.attachment.map { id in instances.contains { $0.id == id.instanceId } } == true)
    }
}

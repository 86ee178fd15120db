import BlockSnapCore
import Services
import Testing

/// RunInstances: pending in the response, MaxCount above the limit.
@Suite struct RunInstancesLaunchTests {
    private static let ami = "ami-0abcdef1234567890"

    @Test func launchesPendingUpToTheLimit() async throws {
        let h = try await EC2Harness()
        let views = try await h.instances.runInstances(
            RunInstancesInput(imageId: Self.ami, minCount: 1, maxCount: 500), owner: h.owner)
        #expect(views.count == 20)
        #expect(views.allSatisfy { $0.instance.state == .pending })
        let stored = try await h.base.catalog.instances(ownerId: h.owner.id, ids: nil)
        #expect(stored.count == 20 && stored.allSatisfy { $0.state == .running })
        let tooMany = RunInstancesInput(imageId: Self.ami, minCount: 21, maxCount: 500)
        #expect(await serviceErrorCode { _ = try await h.instances.runInstances(tooMany, owner: h.owner) } == .invalidParameterValue)
    }
}

import BlockSnapCore
import Services
import Testing

/// RunInstances ClientToken: idempotent retries, mismatches, and its 64-character limit.
@Suite struct RunInstancesTokenTests {
    private static let ami = "ami-0abcdef1234567890"

    @Test func clientTokenRetryReturnsTheWholeReservationOrAMismatch() async throws {
        let h = try await EC2Harness()
        let input = RunInstancesInput(imageId: Self.ami, minCount: 2, maxCount: 2, clientToken: "token-1")
        let first = try await h.instances.runInstances(input, owner: h.owner)
        let again = try await h.instances.runInstances(input, owner: h.owner)
        #expect(again.count == 2)
        #expect(Set(again.map(\.instance.id)) == Set(first.map(\.instance.id)))
        #expect(again.allSatisfy { $0.volumes.count == 1 })
        var other = input
        other.maxCount = 3
        other.minCount = 3
        #expect(await serviceErrorCode { _ = try await h.instances.runInstances(other, owner: h.owner) } == .idempotencyConflict)
        other = input
        other.instanceType = "t3.large"
        #expect(await serviceErrorCode { _ = try await h.instances.runInstances(other, owner: h.owner) } == .idempotencyConflict)
        #expect(try await h.base.catalog.instances(ownerId: h.owner.id, ids: nil).count == 2)
    }

    @Test func clientTokenIsAtMost64AsciiCharacters() async throws {
        let h = try await EC2Harness()
        for token in [String(repeating: "a", count: 65), "tökén"] {
            let input = RunInstancesInput(imageId: Self.ami, minCount: 1, maxCount: 1, clientToken: token)
            #expect(await serviceErrorCode { _ = try await h.instances.runInstances(input, owner: h.owner) } == .invalidParameterValue)
        }
        let input = RunInstancesInput(
            imageId: Self.ami, minCount: 1, maxCount: 1, clientToken: String(repeating: "a", count: 64))
        #expect(try await h.instances.runInstances(input, owner: h.owner).count == 1)
    }
}

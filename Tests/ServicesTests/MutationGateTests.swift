import BlockSnapCore
import Foundation
import Testing

@testable import Services

/// One account's changes run one at a time and in order; another account's run meanwhile.
@Suite(.timeLimit(.minutes(1))) struct MutationGateTests {
    static func account(_ id: String) -> Account { Account(id: id, name: id, createdAt: Date()) }

    @Test func anotherAccountsChangeRunsWhileOneWaits() async throws {
        let gate = MutationGate()
        let (released, release) = AsyncStream<Void>.makeStream()
        let (entered, enter) = AsyncStream<Void>.makeStream()
        // Account A's change holds the gate until account B's change has run; with one gate for
        // every account this would never finish (the suite's time limit would fail it).
        async let a: Void = gate.run(for: Self.account("111111111111")) {
            enter.yield()
            for await _ in released { break }
        }
        for await _ in entered { break }
        #expect(await gate.busyAccounts == 1)
        try await gate.run(for: Self.account("222222222222")) { _ = release.yield() }
        try await a
        #expect(await gate.busyAccounts == 0)
    }

    /// What the changes of the second test did, in the order they did it.
    actor Log {
        var entries: [String] = []
        var running = 0
        var overlapped = false
        func start(_ i: Int) {
            running += 1
            overlapped = overlapped || running > 1
            entries.append("start \(i)")
        }
        func end(_ i: Int) {
            running -= 1
            entries.append("end \(i)")
        }
    }

    @Test func oneAccountsChangesRunOneAtATime() async throws {
        let gate = MutationGate()
        let owner = Self.account("333333333333")
        let log = Log()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<20 {
                group.addTask {
                    try await gate.run(for: owner) {
                        await log.start(i)
                        await Task.yield()
                        await log.end(i)
                    }
                }
            }
            try await group.waitForAll()
        }
        let entries = await log.entries
        #expect(entries.count == 40)
        #expect(await !log.overlapped, "two changes of one account ran at once")
        for pair in stride(from: 0, to: entries.count, by: 2) {
            #expect(entries[pair].dropFirst(6) == entries[pair + 1].dropFirst(4), "a change ran inside another")
        }
        #expect(await gate.busyAccounts == 0)
    }

    @Test func aFailingChangeLetsTheNextOneRun() async throws {
        struct Refused: Error {}
        let gate = MutationGate()
        let owner = Self.account("444444444444")
        await #expect(throws: Refused.self) { try await gate.run(for: owner) { throw Refused() } }
        #expect(try await gate.run(for: owner) { 7 } == 7)
        #expect(await gate.busyAccounts == 0)
    }
}

import BlockSnapCore
import BlockingIO
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Blocking calls on lanes, and background work on lowered-priority threads.
@Suite(.timeLimit(.minutes(1))) struct BlockingIOExecutorTests {
    #if os(Linux)
    static func niceness() -> Int32 { getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) }
    #endif

    @Test func backgroundWorkRunsOnLoweredPriorityThreadsAndTheRestOnLanes() async throws {
        #if os(Linux)
        let executor = BlockingIOExecutor(label: "test.blocking-io", width: 2)
        let callerNice = Self.niceness()
        let foreground = try await executor.run { Self.niceness() }
        let background = try await WorkPriority.$isBackground.withValue(true) {
            try await withThrowingTaskGroup(of: Int32.self) { group in
                // Child tasks inherit the mark.
                for _ in 0..<8 { group.addTask { try await executor.run { Self.niceness() } } }
                var all: [Int32] = []
                for try await nice in group { all.append(nice) }
                return all
            }
        }
        #expect(foreground == callerNice)
        #expect(background.count == 8 && background.allSatisfy { $0 > callerNice || $0 == 19 })
        // Errors come back the same way.
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await WorkPriority.$isBackground.withValue(true) { try await executor.run { throw Boom() } }
        }
        #endif
    }
}

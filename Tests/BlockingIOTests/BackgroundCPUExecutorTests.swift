import BlockingIO
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The lowered-priority threads for background CPU work.
@Suite(.timeLimit(.minutes(1))) struct BackgroundCPUExecutorTests {
    @Test func runsEveryJobOnceOnALoweredPriorityThread() async throws {
        #if os(Linux)
        let callerNice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        #else
        let callerNice: Int32 = 0
        #endif
        let executor = BackgroundCPUExecutor(label: "test.background", threads: 2, niceness: 7)
        defer { executor.shutdown() }
        let results = try await withThrowingTaskGroup(of: (Int, Int32).self) { group in
            for job in 0..<64 {
                group.addTask {
                    try await executor.run {
                        #if os(Linux)
                        let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
                        #else
                        let nice = min(19, callerNice + 7)
                        #endif
                        return (job * job, nice)
                    }
                }
            }
            var all: [(Int, Int32)] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(results.map(\.0).sorted() == (0..<64).map { $0 * $0 })
        #expect(results.allSatisfy { $0.1 == min(19, callerNice + 7) }, "every job runs 7 nice levels lower")
        // The caller's own thread keeps its priority.
        #if os(Linux)
        #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) == callerNice)
        #endif
    }

    @Test func errorsReachTheCallerAndShutdownRefusesNewJobs() async throws {
        struct Boom: Error {}
        let executor = BackgroundCPUExecutor(label: "test.background.errors", threads: 1)
        await #expect(throws: Boom.self) { try await executor.run { throw Boom() } }
        executor.shutdown()
        await #expect(throws: CancellationError.self) { try await executor.run { 1 } }
    }
}

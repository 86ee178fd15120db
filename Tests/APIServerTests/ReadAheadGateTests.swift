import Synchronization
import Testing

@testable import APIServer

@Suite struct ReadAheadGateTests {
    @Test func oneReadAheadAtATimeAndTheGateReopensWhenItEnds() async throws {
        let gate = ReadAheadGate()
        let ran = Mutex(0)
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        let first = gate.start {
            ran.withLock { $0 += 1 }
            for await _ in release { break }
        }
        #expect(first)
        #expect(!gate.start { ran.withLock { $0 += 100 } }, "a second one while the first runs is dropped")
        releaseContinuation.yield()
        releaseContinuation.finish()
        for _ in 0..<500 where gate.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!gate.isRunning)
        let done = Mutex(false)
        #expect(gate.start { done.withLock { $0 = true } })
        for _ in 0..<500 where gate.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        #expect(done.withLock { $0 })
        #expect(ran.withLock { $0 } == 1)
    }
}

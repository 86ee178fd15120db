import Testing

@testable import Services

/// Completion waits for the writes in flight; a write arriving during a completion waits for it
/// to end instead of being refused.
@Suite(.timeLimit(.minutes(1))) struct SnapshotWriteGateTests {
    /// Whether a write has got past `beginWrite`.
    actor Flag {
        var isSet = false
        func set() { isSet = true }
    }

    @Test func aWriteDuringACompletionWaitsForItToEnd() async throws {
        let gate = SnapshotWriteGate()
        #expect(await gate.beginCompletion("snap-1"))
        let registered = Flag()
        let write = Task {
            await gate.beginWrite("snap-1")
            await registered.set()
        }
        // Other snapshots are not held up.
        await gate.beginWrite("snap-2")
        await gate.endWrite("snap-2")
        for _ in 0..<50 { await Task.yield() }
        #expect(await !registered.isSet, "a write got in while the snapshot was being completed")
        await gate.endCompletion("snap-1")
        await write.value
        #expect(await registered.isSet)
        // Now registered, it holds the next completion back until it ends.
        let completion = Task { await gate.beginCompletion("snap-1") }
        for _ in 0..<50 { await Task.yield() }
        await gate.endWrite("snap-1")
        #expect(await completion.value)
        #expect(await !gate.beginCompletion("snap-1"), "one completion at a time")
        await gate.endCompletion("snap-1")
    }
}

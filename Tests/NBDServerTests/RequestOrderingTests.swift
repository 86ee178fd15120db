import Testing

@testable import NBDServer

/// Conflicting requests keep their order; the others do not wait.
@Suite struct RequestOrderingTests {
    @Test func conflictsTellWhetherARequestWouldWait() {
        let ordering = NBDRequestOrdering()
        #expect(!ordering.conflicts(range: 0..<4096, isWrite: true))
        let write = ordering.admit(range: 4096..<8192, isWrite: true)
        let read = ordering.admit(range: 16384..<20480, isWrite: false)
        #expect(ordering.conflicts(range: 8000..<8100, isWrite: false), "a read over a pending write")
        #expect(ordering.conflicts(range: 16000..<16500, isWrite: true), "a write over a pending read")
        #expect(!ordering.conflicts(range: 16000..<16500, isWrite: false), "two reads")
        #expect(!ordering.conflicts(range: 8192..<16384, isWrite: true), "adjacent, not overlapping")
        ordering.finish(write)
        #expect(!ordering.conflicts(range: 8000..<8100, isWrite: false))
        ordering.finish(read)
        #expect(ordering.count == 0)
    }

    @Test func overlappingWritesWaitForEarlierOnes() async {
        let ordering = NBDRequestOrdering()
        let first = ordering.admit(range: 0..<4096, isWrite: true)
        let second = ordering.admit(range: 2048..<8192, isWrite: true)
        let apart = ordering.admit(range: 8192..<9000, isWrite: true)
        let read = ordering.admit(range: 4000..<4100, isWrite: false)
        let otherRead = ordering.admit(range: 4000..<4100, isWrite: false)
        let late = ordering.admit(range: 0..<1, isWrite: true)

        await apart.waitForDependencies()  // No conflict: returns at once.
        await first.waitForDependencies()
        let secondDone = NBDSignal()
        let order = Order()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await second.waitForDependencies()
                await order.append("second")
                secondDone.fire()
            }
            group.addTask {
                await late.waitForDependencies()  // Waits for `first` only.
                await order.append("late")
            }
            group.addTask {
                await read.waitForDependencies()  // Waits for `first` and `second`.
                await secondDone.wait()
                await order.append("read")
            }
            await order.append("first")
            ordering.finish(first)
            await secondDone.wait()
            ordering.finish(second)
            ordering.finish(late)
        }
        let steps = await order.steps
        #expect(steps.first == "first")
        #expect(steps.firstIndex(of: "read")! > steps.firstIndex(of: "second")!)
        ordering.finish(apart)
        ordering.finish(read)
        await otherRead.waitForDependencies()
        ordering.finish(otherRead)
        #expect(ordering.count == 0)
    }

    @Test func readsNeverWaitForReadsAndEmptyRangesNeverWait() async {
        let ordering = NBDRequestOrdering()
        let read = ordering.admit(range: 0..<4096, isWrite: false)
        let flush = ordering.admit(range: 0..<0, isWrite: false)
        let overlappingRead = ordering.admit(range: 0..<4096, isWrite: false)
        await flush.waitForDependencies()
        await overlappingRead.waitForDependencies()
        let write = ordering.admit(range: 100..<200, isWrite: true)
        ordering.finish(read)
        ordering.finish(overlappingRead)
        await write.waitForDependencies()
        ordering.finish(write)
        ordering.finish(flush)
        #expect(ordering.count == 0)
    }
}

/// Steps recorded by concurrent tasks.
actor Order {
    private(set) var steps: [String] = []

    func append(_ step: String) { steps.append(step) }
}

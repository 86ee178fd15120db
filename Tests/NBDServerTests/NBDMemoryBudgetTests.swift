import Testing

@testable import NBDServer

/// The server-wide budget of bytes held by running requests.
@Suite(.timeLimit(.minutes(1))) struct NBDMemoryBudgetTests {
    /// The order in which waiters got their bytes.
    actor Order {
        var served: [Int] = []
        func append(_ n: Int) { served.append(n) }
    }

    @Test func waitersAreServedInOrderOnceThereIsRoom() async throws {
        let budget = NBDMemoryBudget(capacity: 10)
        #expect(budget.tryAcquire(8))
        #expect(!budget.tryAcquire(3), "no room")
        let order = Order()
        let big = Task {
            await budget.acquire(6)
            await order.append(6)
        }
        while budget.tryAcquire(0) { await Task.yield() }  // until the big request waits
        // A small request that would fit now still waits behind the big one.
        #expect(!budget.tryAcquire(1))
        let small = Task {
            await budget.acquire(1)
            await order.append(1)
        }
        for _ in 0..<50 { await Task.yield() }
        #expect(await order.served.isEmpty)
        budget.release(8)
        await big.value
        await small.value
        #expect(await order.served == [6, 1])
        #expect(budget.available == 3)
        budget.release(6)
        budget.release(1)
        #expect(budget.available == 10)
    }

    @Test func aRequestLargerThanTheWholeBudgetTakesAllOfIt() async {
        let budget = NBDMemoryBudget(capacity: 10)
        await budget.acquire(25)
        #expect(budget.available == 0)
        budget.release(25)
        #expect(budget.available == 10)
    }
}

/// The write barrier of a freeze:
///
///     freeze                         writers
///     ──────                         ───────
///     raiseBarrier (each volume)     enterWrite waits while barriers > 0
///     drain        (each volume)     in-flight writes finish; exitWrite wakes the drain
///     swapChanged  (each volume)     ── one instant for all volumes ──
///     lowerBarrier (each volume)     waiting writers go on at once
///
/// Invariant: while a volume's barrier is up, no write starts on it; `drain` returns only when
/// none is in flight. A write is therefore wholly before a freeze or wholly after it.
extension VolumeFile {
    /// Admits a write of `[offset, offset+length)`: waits while a freeze holds the barrier,
    /// then counts the write as in flight. Every successful call is paired with `exitWrite`.
    func enterWrite(offset: Int64, length: Int64) async throws {
        while true {
            let mustWait = try lock.withLock { () throws -> Bool in
                try checkWritableLocked(offset: offset, length: length)
                if state.barriers > 0 { return true }
                state.inFlight += 1
                return false
            }
            if !mustWait { return }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = lock.withLock { () -> Bool in
                    guard state.barriers > 0, !state.closed else { return true }
                    state.blockedWriters.append(continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        }
    }

    /// Throws unless a write of `[offset, offset+length)` may be admitted at all: the volume is
    /// open, no fsync has failed, and the range lies inside it (lock held).
    func checkWritableLocked(offset: Int64, length: Int64) throws {
        if state.closed { throw VolumeStoreError.unknownVolume(id) }
        if let failure = state.failure { throw failure }
        try checkRangeLocked(offset: offset, length: length)
    }

    /// Ends a write admitted by `enterWrite`; wakes a drain waiting for the last one.
    func exitWrite() {
        let waiters = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            state.inFlight -= 1
            guard state.inFlight == 0 else { return [] }
            defer { state.drainWaiters = [] }
            return state.drainWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Stops new writes from starting (nests: each raise needs one lower).
    func raiseBarrier() {
        lock.withLock { state.barriers += 1 }
    }

    /// Lets waiting writers go on once no barrier is left.
    func lowerBarrier() {
        let waiters = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            state.barriers -= 1
            guard state.barriers == 0 else { return [] }
            defer { state.blockedWriters = [] }
            return state.blockedWriters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until no write is in flight.
    func drain() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { () -> Bool in
                guard state.inFlight > 0 else { return true }
                state.drainWaiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Marks the volume closed, fails writers waiting at the barrier, and waits for in-flight
    /// writes to finish. Returns false if it was already closed.
    func shutDown() async -> Bool {
        let (first, waiters) = lock.withLock { () -> (Bool, [CheckedContinuation<Void, Never>]) in
            let first = !state.closed
            state.closed = true
            defer { state.blockedWriters = [] }
            return (first, state.blockedWriters)
        }
        for waiter in waiters { waiter.resume() }
        await drain()
        // Pending freezes keep their own reference; the side files close with the last one.
        lock.withLock { state.preservation = nil }
        return first
    }
}

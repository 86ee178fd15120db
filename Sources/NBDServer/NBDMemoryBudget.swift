import Synchronization

/// The payload bytes (write data, read lengths) that the requests of all connections may hold at
/// once. Each connection has its own limit too (`maxBytesInFlight`); this one bounds their sum,
/// so that many connections whose clients do not read their replies cannot grow the server's
/// memory without end. A request waits for room; it gives its bytes back once its reply has
/// been handed to the channel (or the channel closed).
///
/// Invariant: `available` never goes below zero, and waiters are served in arrival order (a
/// large request is not passed over for ever by small ones).
final class NBDMemoryBudget: Sendable {
    private struct State {
        var available: Int
        var waiters: [(bytes: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    /// The whole budget.
    let capacity: Int
    private let state: Mutex<State>

    init(capacity: Int) {
        self.capacity = capacity
        state = Mutex(State(available: capacity))
    }

    /// Takes `bytes` (at most `capacity`) now if there is room and nobody waits; false otherwise.
    func tryAcquire(_ bytes: Int) -> Bool {
        state.withLock { state in
            guard state.waiters.isEmpty, state.available >= bytes else { return false }
            state.available -= bytes
            return true
        }
    }

    /// Takes `bytes` (at most `capacity`), waiting for room behind earlier waiters.
    func acquire(_ bytes: Int) async {
        let needed = min(bytes, capacity)
        if tryAcquire(needed) { return }
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.waiters.isEmpty, state.available >= needed {
                    state.available -= needed
                    return true
                }
                state.waiters.append((needed, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Gives back `bytes` taken by `acquire` or `tryAcquire`.
    func release(_ bytes: Int) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.available += min(bytes, capacity)
            var ready: [CheckedContinuation<Void, Never>] = []
            while let first = state.waiters.first, state.available >= first.bytes {
                state.available -= first.bytes
                ready.append(state.waiters.removeFirst().continuation)
            }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    /// Bytes not taken (for tests).
    var available: Int { state.withLock { $0.available } }
}

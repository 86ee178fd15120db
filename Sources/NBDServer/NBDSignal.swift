import Foundation

/// A one-shot event: `wait()` suspends until `fire()` was called (or returns at once after it).
final class NBDSignal: @unchecked Sendable {
    private let lock = NSLock()
    /// Guarded by `lock`.
    private var fired = false
    /// Guarded by `lock`.
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Creates an unfired signal.
    init() {}

    /// Whether `fire()` was called.
    var isFired: Bool { lock.withLock { fired } }

    /// Fires the signal, resuming every waiter; later calls do nothing.
    func fire() {
        let resumed = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            guard !fired else { return [] }
            fired = true
            defer { waiters = [] }
            return waiters
        }
        for waiter in resumed { waiter.resume() }
    }

    /// Suspends until the signal fires.
    func wait() async {
        if isFired { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { () -> Bool in
                if fired { return true }
                waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}

import Synchronization

/// Lets at most one background read-ahead run at a time: `start` runs `work` in a detached
/// background task unless one is already running, in which case it drops it (read-ahead is
/// only ever an optimisation, never needed for a correct answer).
///
/// Invariant: at most one task started here is running at any moment.
final class ReadAheadGate: Sendable {
    private let running = Mutex(false)

    /// Starts `work` unless a read-ahead is running; returns whether it started.
    @discardableResult
    func start(_ work: @escaping @Sendable () async -> Void) -> Bool {
        let claimed = running.withLock { running in
            guard !running else { return false }
            running = true
            return true
        }
        guard claimed else { return false }
        Task.detached(priority: .background) { [self] in
            await work()
            running.withLock { $0 = false }
        }
        return true
    }

    /// Whether a read-ahead is running (for tests).
    var isRunning: Bool { running.withLock { $0 } }
}

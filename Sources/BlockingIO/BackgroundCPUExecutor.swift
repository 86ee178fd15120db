import BlockSnapCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs CPU-heavy background work (the snapshot capturer's hashing and compression) on a few
/// threads of lowered scheduling priority, so that it takes the processors only when
/// foreground work (client requests, NBD reads and writes) leaves them idle. On Linux the nice
/// value is per thread, so only these threads are lowered, by `niceness` (default 15: about a
/// thirtieth of a normal thread's share when both want a processor; at most to 19).
///
/// Invariant: every job given to `run` runs exactly once, on one of the executor's threads,
/// unless `shutdown()` was called before it started (then it fails with `CancellationError`).
public final class BackgroundCPUExecutor: CPUWorkExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs: [@Sendable (Bool) -> Void] = []
    private var stopped = false

    /// Starts `threads` (at least 1) threads named `label.N`.
    public init(label: String, threads: Int, niceness: Int32 = 15) {
        for number in 0..<max(1, threads) {
            let thread = Thread { [self] in
                Self.lowerPriority(by: niceness)
                loop()
            }
            thread.name = "\(label).\(number)"
            thread.start()
        }
    }

    /// Runs `work` on a background thread and returns its result.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let job: @Sendable (Bool) -> Void = { cancelled in
                continuation.resume(with: cancelled ? .failure(CancellationError()) : Result(catching: work))
            }
            condition.lock()
            if stopped {
                condition.unlock()
                job(true)
                return
            }
            jobs.append(job)
            condition.signal()
            condition.unlock()
        }
    }

    /// Fails the jobs not started yet and stops the threads once they are idle.
    public func shutdown() {
        condition.lock()
        stopped = true
        let abandoned = jobs
        jobs = []
        condition.broadcast()
        condition.unlock()
        for job in abandoned { job(true) }
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job(false)
        }
    }

    /// `getpriority`/`setpriority(PRIO_PROCESS, 0, …)` act on the calling thread only on Linux
    /// (setpriority(2)); raising the nice value needs no privilege.
    private static func lowerPriority(by niceness: Int32) {
        #if os(Linux)
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        _ = setpriority(which, 0, min(19, getpriority(which, 0) + niceness))
        #endif
    }
}

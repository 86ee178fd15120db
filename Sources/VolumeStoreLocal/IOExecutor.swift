import Dispatch
import Foundation

/// Runs the store's blocking system calls: short ones (at most `inlineLimit` bytes) directly on
/// the calling task's thread, everything else (large transfers, `fsync`, directory work) on a
/// small pool of private threads, at most `width` at a time.
///
/// Invariant: nothing that may block for long (an `fsync`, a multi-block transfer that may hit
/// dirty-page throttling) runs on a Swift concurrency or NIO thread. Page-cache transfers of a few
/// KiB cost less than the hop to another thread, so they stay inline.
///
/// The pool is `width` serial dispatch queues ("lanes") rather than one concurrent queue: on Linux
/// a concurrent queue gets about one thread per CPU, so calls blocked in `fsync` would starve
/// the others; each serial queue gets its own thread when it has work.
final class IOExecutor: Sendable {
    /// Transfers of at most this many bytes run inline.
    let inlineLimit: Int
    private let lanes: [DispatchQueue]
    private let freeLanes: LanePool

    /// Creates an executor with `width` (at least 1) pool threads.
    init(label: String, width: Int, inlineLimit: Int) {
        let width = max(1, width)
        self.inlineLimit = inlineLimit
        lanes = (0..<width).map { DispatchQueue(label: "\(label).\($0)") }
        freeLanes = LanePool(count: width)
    }

    /// Runs a transfer of `bytes` bytes: inline when small, else on the pool.
    func transfer<T: Sendable>(bytes: Int, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        if bytes <= inlineLimit { return try work() }
        return try await run(work)
    }

    /// Runs `work` on a pool thread and returns its result.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let lane = await freeLanes.acquire()
        defer { freeLanes.release(lane) }
        return try await withCheckedThrowingContinuation { continuation in
            lanes[lane].async { continuation.resume(with: Result(catching: work)) }
        }
    }
}

/// The indexes of free lanes; callers wait by suspending, not by blocking a thread.
final class LanePool: @unchecked Sendable {
    // Guarded by `lock`.
    private var free: [Int]
    private var waiters: [CheckedContinuation<Int, Never>] = []
    private let lock = NSLock()

    /// Creates a pool of lanes `0..<count`, all free.
    init(count: Int) { free = Array((0..<count).reversed()) }

    /// Takes a free lane, suspending until one is released if none is.
    func acquire() async -> Int {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int, Never>) in
            lock.lock()
            if let lane = free.popLast() {
                lock.unlock()
                continuation.resume(returning: lane)
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }

    /// Returns a lane, handing it straight to the oldest waiter if there is one.
    func release(_ lane: Int) {
        lock.lock()
        if waiters.isEmpty {
            free.append(lane)
            lock.unlock()
        } else {
            let next = waiters.removeFirst()
            lock.unlock()
            next.resume(returning: lane)
        }
    }
}

import Dispatch
import BlockSnapCore
import Foundation
import Synchronization

/// Runs blocking system calls off Swift concurrency's cooperative threads, at most `width`
/// at a time, each on one of `width` private serial dispatch queues ("lanes").
///
/// Serial queues are used rather than one concurrent queue because on Linux a concurrent
/// queue is limited to about one thread per CPU, so calls blocked in `fsync` would starve the
/// others; each serial queue gets its own thread when it has work. A caller beyond the limit
/// suspends (holding no thread) until a lane is free; lanes are handed out in arrival order.
///
/// Background work (`WorkPriority.isBackground`, a snapshot's capture) runs instead on a few
/// threads of lowered priority, created on first use, so that its page-cache copies give way
/// to the foreground's.
public final class BlockingIOExecutor: Sendable {
    private let label: String
    private let lanes: [DispatchQueue]
    private let freeLanes: LanePool
    private let background = Mutex<BackgroundCPUExecutor?>(nil)

    /// Threads for background work.
    static let backgroundThreads = 4

    /// Creates an executor running at most `width` (at least 1) blocking jobs at once.
    public init(label: String, width: Int) {
        let width = max(1, width)
        self.label = label
        lanes = (0..<width).map { DispatchQueue(label: "\(label).\($0)") }
        freeLanes = LanePool(count: width)
    }

    deinit { background.withLock { $0?.shutdown() } }

    /// Runs `work` on a free lane (or, for background work, on a background thread) and
    /// returns its result.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        if WorkPriority.isBackground { return try await backgroundExecutor().run(work) }
        let lane = await freeLanes.acquire()
        defer { freeLanes.release(lane) }
        return try await withCheckedThrowingContinuation { continuation in
            lanes[lane].async { continuation.resume(with: Result(catching: work)) }
        }
    }

    private func backgroundExecutor() -> BackgroundCPUExecutor {
        background.withLock { executor in
            if let executor { return executor }
            let created = BackgroundCPUExecutor(label: label + ".background", threads: Self.backgroundThreads)
            executor = created
            return created
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

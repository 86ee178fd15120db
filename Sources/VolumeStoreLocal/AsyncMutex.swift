import Foundation

/// A mutual-exclusion lock for async code: waiters suspend (holding no thread) and are served
/// in arrival order. Used where a critical section awaits I/O (flushes, lifecycle, freezes).
final class AsyncMutex: @unchecked Sendable {
    // Guarded by `lock`.
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private let lock = NSLock()

    /// Creates an unlocked mutex.
    init() {}

    /// Takes the mutex, suspending until it is free.
    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if held {
                waiters.append(continuation)
                lock.unlock()
            } else {
                held = true
                lock.unlock()
                continuation.resume()
            }
        }
    }

    /// Releases the mutex, handing it straight to the oldest waiter if there is one.
    func release() {
        lock.lock()
        if waiters.isEmpty {
            held = false
            lock.unlock()
        } else {
            let next = waiters.removeFirst()
            lock.unlock()
            next.resume()
        }
    }
}

import CZstd
import Synchronization

/// Reusable zstd compression contexts. Creating a context per block costs an allocation and a
/// clear of several hundred KiB of tables; a pool lets each block reuse one.
final class ZstdContextPool: Sendable {
    /// A context owned by whoever took it from the pool.
    private struct Context: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private let idle = Mutex<[Context]>([])

    /// Runs `body` with a context that no one else uses meanwhile.
    func withContext<T>(_ body: (OpaquePointer) -> T) -> T {
        let context = idle.withLock { $0.popLast() } ?? Context(pointer: ZSTD_createCCtx()!)
        defer { idle.withLock { $0.append(context) } }
        return body(context.pointer)
    }

    deinit {
        for context in idle.withLock({ $0 }) { ZSTD_freeCCtx(context.pointer) }
    }

    /// The pool shared by every encoder in the process (contexts hold no per-call state).
    static let shared = ZstdContextPool()
}

import BlockingIO

/// Runs the store's blocking system calls: short ones (at most `inlineLimit` bytes) directly on
/// the calling task's thread, everything else (large transfers, `fsync`, directory work) on a
/// small pool of private threads, at most `width` at a time.
///
/// Invariant: nothing that may block for long (an `fsync`, a multi-block transfer that may hit
/// dirty-page throttling) runs on a Swift concurrency or NIO thread. Page-cache transfers of a few
/// KiB cost less than the hop to another thread, so they stay inline.
///
/// The pool is the shared `BlockingIOExecutor` (serial "lanes", see there for why).
final class IOExecutor: Sendable {
    /// Transfers of at most this many bytes run inline.
    let inlineLimit: Int
    private let pool: BlockingIOExecutor

    /// Creates an executor with `width` (at least 1) pool threads.
    init(label: String, width: Int, inlineLimit: Int) {
        self.inlineLimit = inlineLimit
        pool = BlockingIOExecutor(label: label, width: width)
    }

    /// Runs a transfer of `bytes` bytes: inline when small, else on the pool.
    func transfer<T: Sendable>(bytes: Int, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        if bytes <= inlineLimit { return try work() }
        return try await run(work)
    }

    /// Runs `work` on a pool thread and returns its result.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.run(work)
    }
}

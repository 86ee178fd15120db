/// Where a service runs CPU-heavy work (hashing, compression) that must not hold a Swift
/// concurrency thread for long, for example a pool of low-priority threads.
///
/// Invariant: `run` returns `work`'s result, or throws its error, exactly once.
public protocol CPUWorkExecutor: Sendable {
    /// Runs `work` and returns its result.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T
}

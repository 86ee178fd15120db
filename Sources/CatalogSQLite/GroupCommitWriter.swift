import Dispatch
import Foundation
import GRDB

/// Runs small, frequent writes in shared transactions ("group commit"), so that concurrent
/// callers share one WAL fsync instead of paying one each.
///
/// ```
///  caller A ─┐ submit                  ┌─ resume A (after COMMIT is durable)
///  caller B ─┼─► pending ─► drain: BEGIN; SAVEPOINT A … ; SAVEPOINT B … ; COMMIT
///  caller C ─┘   (while one drain runs, the next batch gathers)   └─ resume B, C
/// ```
///
/// Invariants: each job runs inside its own savepoint, so a job that throws leaves no trace
/// and does not affect the others; a caller is resumed only after the transaction holding
/// its job has committed (or failed, in which case every job of the batch fails and none of
/// them took effect). Drains run one at a time on a private serial queue that blocks on
/// SQLite, never on the cooperative pool, and are not affected by task cancellation.
final class GroupCommitWriter: @unchecked Sendable {
    private let pool: DatabasePool
    private let queue = DispatchQueue(label: "blocksnap.catalog.group-commit")
    // Guarded by `lock`.
    private var pending: [any GroupCommitJob] = []
    private var drainScheduled = false
    private let lock = NSLock()

    /// Creates a writer over `pool`.
    init(_ pool: DatabasePool) { self.pool = pool }

    /// Runs `work` in the next shared transaction and returns its result once committed.
    func submit<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let job = Job(work: work, continuation: continuation)
            lock.lock()
            pending.append(job)
            let schedule = !drainScheduled
            drainScheduled = true
            lock.unlock()
            if schedule { queue.async { self.drain() } }
        }
    }

    /// Takes every pending job and runs them in one transaction.
    private func drain() {
        lock.lock()
        let batch = pending
        pending = []
        drainScheduled = false
        lock.unlock()
        do {
            try pool.write { db in
                for job in batch { job.run(in: db) }
            }
            for job in batch { job.finish(failure: nil) }
        } catch {
            for job in batch { job.finish(failure: error) }
        }
    }
}

/// A job waiting in a `GroupCommitWriter` batch.
private protocol GroupCommitJob: AnyObject {
    /// Runs the work inside a savepoint of the batch's transaction, keeping its outcome.
    func run(in db: Database)
    /// Resumes the caller: with the kept outcome, or with `failure` if the batch failed.
    func finish(failure: (any Error)?)
}

private final class Job<T: Sendable>: GroupCommitJob {
    private let work: @Sendable (Database) throws -> T
    private let continuation: CheckedContinuation<T, any Error>
    // Touched only by the drain that owns this job; a job that never ran counts as cancelled.
    private var outcome: Result<T, any Error> = .failure(CancellationError())

    init(work: @escaping @Sendable (Database) throws -> T, continuation: CheckedContinuation<T, any Error>) {
        self.work = work
        self.continuation = continuation
    }

    func run(in db: Database) {
        do {
            var value: T?
            try db.inSavepoint {
                value = try work(db)
                return .commit
            }
            outcome = .success(value!)
        } catch {
            outcome = .failure(error)
        }
    }

    func finish(failure: (any Error)?) {
        if let failure {
            continuation.resume(throwing: failure)
        } else {
            continuation.resume(with: outcome)
        }
    }
}

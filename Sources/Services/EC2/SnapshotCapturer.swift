import BlockEngine
import BlockSnapCore
import Foundation
import Logging
import ServiceLifecycle

/// Captures the blocks of volume snapshots in the background, one job at a time in the
/// order the snapshots were created, so each snapshot of a volume builds on the previous one.
/// Its hashing and compression run on the lowered-priority `background` executor, and its
/// reads and writes are marked background work (`WorkPriority`), which the stores' I/O
/// executors run on lowered-priority threads too.
///
///     CreateSnapshot ─▶ freeze (data plane) ─▶ pending row ─▶ enqueue
///     run(): job ─▶ read frozen blocks ─▶ store (dedup, durable; 4 blocks at once) ─▶ progress
///               ─▶ map = apply(changed, base) ─▶ complete + volume base moves ─▶ release freeze
public final class SnapshotCapturer: Service, Sendable {
    struct Job: Sendable {
        let snapshotId: String
        let volumeId: String
        let frozen: any FrozenBlocks
    }

    private let context: EC2Context
    private let logger: Logger
    /// Where hashing and compression run; nil: on the capturing task itself.
    private let background: (any CPUWorkExecutor)?
    /// Blocks of one snapshot captured at once.
    public static let blocksInFlight = 4
    private let jobs: AsyncStream<Job>
    private let submit: AsyncStream<Job>.Continuation

    /// Creates the capturer. With `background`, blocks are hashed and compressed on its
    /// lowered-priority threads, so a capture yields the processors to foreground work.
    public init(context: EC2Context, logger: Logger, background: (any CPUWorkExecutor)? = nil) {
        self.context = context
        self.logger = logger
        self.background = background
        (jobs, submit) = AsyncStream.makeStream(of: Job.self)
    }

    func enqueue(_ job: Job) {
        submit.yield(job)
    }

    /// Fails volume snapshots left pending by a previous run: their frozen content is gone.
    /// Call it once at startup, before any request can create a snapshot (not from `run`,
    /// which starts alongside the listeners and would fail a snapshot created meanwhile).
    public func failInterrupted() async throws {
        for snapshot in try await context.catalog.pendingVolumeSnapshots() {
            _ = try await context.catalog.failSnapshot(
                id: snapshot.id, message: "The snapshot was interrupted by a server restart before all its blocks were captured.")
            logger.warning("failed interrupted snapshot", metadata: ["snapshot.id": "\(snapshot.id)"])
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            for await job in self.jobs {
                await self.capture(job)
            }
        }
    }

    /// Captures one snapshot; on failure it moves to `error` and its blocks count as changed again.
    /// All of it is background work (`WorkPriority`): its reads and writes give way to clients'.
    func capture(_ job: Job) async {
        await WorkPriority.$isBackground.withValue(true) { await captureOrFail(job) }
    }

    private func captureOrFail(_ job: Job) async {
        do {
            try await captureBlocks(job)
            await job.frozen.release(captured: true)
        } catch {
            if error is CancellationError {
                // A shutdown: the next start fails it as interrupted (if this does not get to).
                logger.notice("snapshot capture stopped by shutdown", metadata: ["snapshot.id": "\(job.snapshotId)"])
            } else {
                logger.error("snapshot capture failed", metadata: ["snapshot.id": "\(job.snapshotId)", "error": "\(error)"])
            }
            _ = try? await context.catalog.failSnapshot(id: job.snapshotId, message: "The snapshot could not be captured.")
            await job.frozen.release(captured: false)
        }
        do {
            // A volume deleted while this snapshot was pending goes now, if this was its last one.
            try await context.retirement.endCapture(job.volumeId)
        } catch {
            logger.error("deleting a volume after its last capture failed", metadata: ["volume.id": "\(job.volumeId)", "error": "\(error)"])
        }
    }

    /// Runs CPU-heavy `work` on the background executor, if there is one.
    private func computing<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        guard let background else { return try work() }
        return try await background.run(work)
    }

    private func captureBlocks(_ job: Job) async throws {
        guard let snapshot = try await context.catalog.snapshot(id: job.snapshotId), snapshot.status == .pending else { return }
        let base = try await context.catalog.volume(id: job.volumeId)?.baseRoot ?? snapshot.rootNode
        let indexes = job.frozen.indexes
        var written: [WrittenBlock] = []
        written.reserveCapacity(indexes.count)
        var lastProgress = 0
        // A few blocks in flight: one block's hashing and compression overlaps another's
        // reads and fsyncs.
        try await withThrowingTaskGroup(of: WrittenBlock.self) { group in
            var next = 0
            func startNext() {
                guard next < indexes.count else { return }
                let index = indexes[next]
                next += 1
                group.addTask {
                    let data = try await job.frozen.read(index)
                    let hash = try await self.computing { BlockCodec.hash(data) }
                    let ref = try await self.context.blocks.store(data, hash: hash) { data, hash, level in
                        try await self.computing { BlockCodec.encode(data, hash: hash, level: level) }
                    }
                    return WrittenBlock(index: index, ref: ref)
                }
            }
            for _ in 0..<Self.blocksInFlight { startNext() }
            while let block = try await group.next() {
                written.append(block)
                startNext()
                let progress = written.count * 99 / max(indexes.count, 1)
                if progress >= lastProgress + 5 {
                    try await context.catalog.setSnapshotProgress(id: job.snapshotId, progress: progress)
                    lastProgress = progress
                }
            }
        }
        written.sort { $0.index < $1.index }
        let derived = try await context.maps.apply(written, to: base)
        let completed = try await context.catalog.completeVolumeSnapshot(
            id: job.snapshotId, volumeId: job.volumeId, rootNode: derived.root, nodes: derived.newNodes,
            changedBlocksCount: written.count, completionTime: context.clock.now())
        if completed, try await context.catalog.volume(id: job.volumeId) != nil {
            try context.dataPlane.setBase(volumeId: job.volumeId, root: derived.root)
        }
    }
}

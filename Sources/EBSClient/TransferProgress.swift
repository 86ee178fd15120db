import Foundation

/// Counters that a transfer updates and a progress display reads, from any task.
public final class TransferProgress: @unchecked Sendable {
    /// A consistent reading of the counters.
    public struct Reading: Sendable, Equatable {
        /// What the transfer is doing, e.g. `uploading`.
        public var phase: String
        /// Blocks to look at in all (may grow while a listing is paged).
        public var totalBlocks: Int64
        /// Blocks looked at so far.
        public var doneBlocks: Int64
        /// Blocks that were sent or received over the network.
        public var transferredBlocks: Int64
        /// Whether `totalBlocks` is final.
        public var totalIsFinal: Bool
        /// When the phase began.
        public var phaseStart: ContinuousClock.Instant
        /// When a block was last counted (the phase start before the first).
        public var lastUpdate: ContinuousClock.Instant

        /// Creates a reading.
        public init(
            phase: String, totalBlocks: Int64, doneBlocks: Int64, transferredBlocks: Int64, totalIsFinal: Bool,
            phaseStart: ContinuousClock.Instant
        ) {
            self.phase = phase
            self.totalBlocks = totalBlocks
            self.doneBlocks = doneBlocks
            self.transferredBlocks = transferredBlocks
            self.totalIsFinal = totalIsFinal
            self.phaseStart = phaseStart
            self.lastUpdate = phaseStart
        }

        /// Bytes of image covered so far.
        public var doneBytes: Int64 { doneBlocks * Int64(EBSBlocks.blockSize) }
        /// Whether every block of a final total is done.
        public var isComplete: Bool { totalIsFinal && doneBlocks >= totalBlocks }
        /// Done as a fraction of total, 0 … 1.
        public var fraction: Double { totalBlocks > 0 ? min(1, Double(doneBlocks) / Double(totalBlocks)) : 0 }
    }

    private let lock = NSLock()
    private let now: @Sendable () -> ContinuousClock.Instant
    private var reading: Reading

    /// Creates counters at zero; `now` is injectable for tests.
    public init(now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.now = now
        self.reading = Reading(
            phase: "starting", totalBlocks: 0, doneBlocks: 0, transferredBlocks: 0, totalIsFinal: false,
            phaseStart: now())
    }

    /// The current counters.
    public func read() -> Reading {
        lock.withLock { reading }
    }

    /// Sets the phase and restarts the counters for it.
    public func begin(phase: String, totalBlocks: Int64, totalIsFinal: Bool = true) {
        let start = now()
        lock.withLock {
            reading = Reading(
                phase: phase, totalBlocks: totalBlocks, doneBlocks: 0, transferredBlocks: 0, totalIsFinal: totalIsFinal,
                phaseStart: start)
        }
    }

    /// Adds blocks to the total (a listing page arrived); `final` when it was the last page.
    public func addToTotal(_ blocks: Int64, final: Bool) {
        lock.withLock {
            reading.totalBlocks += blocks
            reading.totalIsFinal = final
        }
    }

    /// Counts one block as done, `transferred` when it went over the network.
    public func blockDone(transferred: Bool) {
        let instant = now()
        lock.withLock {
            reading.lastUpdate = instant
            reading.doneBlocks += 1
            if transferred { reading.transferredBlocks += 1 }
        }
    }
}

/// A value behind a lock, for small shared state such as a work cursor.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

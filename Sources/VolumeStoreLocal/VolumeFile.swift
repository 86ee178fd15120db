import BlockSnapCore
import Foundation
import Logging

/// What every volume of one store shares.
struct VolumeContext: Sendable {
    /// Runs blocking system calls.
    let io: IOExecutor
    /// Reads base-map blocks.
    let base: BaseBlockReader
    /// The store's logger.
    let logger: Logger
    /// Journal size at which it is folded into a checkpoint.
    let checkpointBytes: Int
    /// Segment size of new volumes (and of upgraded version 1 volumes, at least).
    let segmentBytes: Int64
}

/// The in-memory state of one open volume, guarded by `VolumeFile.lock`.
///
/// Invariants: `changed ⊆ local`; `marked ⊇ changed ∪ (every pending freeze's blocks)`; every
/// block set in `marked` has a `.written` record pending or durable since its last `.cleared`.
struct VolumeFileState {
    /// Blocks in the volume.
    var blockCount: Int64
    /// The block map non-local blocks are read from.
    var base: BlockHash?
    /// Blocks whose bytes are in the data segments.
    var local: Bitmap
    /// Blocks written since the last freeze (changed-block tracking).
    var changed: Bitmap
    /// Blocks the journal (durable or pending) counts as changed.
    var marked: Bitmap
    /// Records for the next flush, in the order they happened.
    var pendingRecords: [JournalRecord] = []
    /// Freezes not yet released, oldest first.
    var freezes: [FreezeState] = []
    /// Where copy-before-write saves frozen bytes; created by the first freeze.
    var preservation: PreservationSpace?
    /// Set by close or delete; every later call fails with `.unknownVolume`.
    var closed = false
    /// Set when an fsync of a data segment failed: what is durable is then unknown, and every
    /// later flush fails (the kernel may have dropped the dirty pages).
    var failure: VolumeStoreError?
    /// Freezes holding the write barrier; writers wait while it is above zero.
    var barriers = 0
    /// Writes that passed the barrier and have not finished.
    var inFlight = 0
    var blockedWriters: [CheckedContinuation<Void, Never>] = []
    var drainWaiters: [CheckedContinuation<Void, Never>] = []
    /// Blocks being written or read for a freeze, with the tasks waiting for each.
    var busyBlocks: [Int64: [CheckedContinuation<Void, Never>]] = [:]
    /// Flush tickets: requests made, and the highest request known durable.
    var flushRequested: UInt64 = 0
    var flushCompleted: UInt64 = 0

    /// The volume's size in bytes.
    var sizeBytes: Int64 { blockCount * Int64(BlockGeometry.blockSize) }
}

/// One open volume: its data segments, its metadata and its in-memory block state.
///
/// All mutable state is in `state`, guarded by `lock`, which is held only for short in-memory
/// work — never across a system call or an `await`. Data transfers run outside it, so volumes
/// (and non-overlapping blocks of one volume) proceed in parallel. Per-block exclusion
/// (`acquireBlock`) orders the steps on one block: fill from base, copy-before-write, write,
/// and a frozen read of live content.
final class VolumeFile: @unchecked Sendable {
    /// The volume id.
    let id: String
    /// Where its files are.
    let layout: VolumeLayout
    /// The volume's bytes, in sparse segment files.
    let data: SegmentedDataFile
    /// Shared services.
    let context: VolumeContext
    /// Durable block state; used only under `flushMutex`.
    let metadata: VolumeMetadata
    /// Serializes flushes, resizes and close.
    let flushMutex = AsyncMutex()
    /// Guards `state`.
    let lock = NSLock()
    /// Guarded by `lock`.
    var state: VolumeFileState

    static let blockSize = Int64(BlockGeometry.blockSize)

    init(
        id: String, layout: VolumeLayout, data: SegmentedDataFile, metadata: VolumeMetadata, base: BlockHash?,
        context: VolumeContext
    ) {
        self.id = id
        self.layout = layout
        self.data = data
        self.metadata = metadata
        self.context = context
        let durable = metadata.durable
        state = VolumeFileState(
            blockCount: durable.blockCount, base: base, local: durable.local, changed: durable.changed,
            marked: durable.changed)
    }

    /// The volume's size in bytes.
    func size() throws -> Int64 {
        try lock.withLock {
            if state.closed { throw VolumeStoreError.unknownVolume(id) }
            return state.sizeBytes
        }
    }

    /// Moves the base map (after a snapshot of the volume completed). Safe at any time: every
    /// map a volume's base may move to holds the same content for its non-local blocks.
    func setBase(_ root: BlockHash?) throws {
        try lock.withLock {
            if state.closed { throw VolumeStoreError.unknownVolume(id) }
            state.base = root
        }
    }

    /// Throws `.outOfRange` unless `[offset, offset+length)` lies inside the volume (lock held).
    func checkRangeLocked(offset: Int64, length: Int64) throws {
        let size = state.sizeBytes
        guard offset >= 0, length >= 0, offset <= size, length <= size - offset else {
            throw VolumeStoreError.outOfRange(offset: offset, length: length, size: size)
        }
    }

    // MARK: Block exclusion

    /// Takes exclusive use of block `index`, waiting (suspended) while another task has it.
    func acquireBlock(_ index: Int64) async {
        if lock.withLock({ takeBlockLocked(index) }) { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { () -> Bool in
                if takeBlockLocked(index) { return true }
                state.busyBlocks[index]!.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Takes block `index` if no task has it (lock held); true when taken.
    func takeBlockLocked(_ index: Int64) -> Bool {
        guard state.busyBlocks[index] == nil else { return false }
        state.busyBlocks[index] = []
        return true
    }

    /// Gives up block `index`; returns the waiter it was handed to, to resume after unlocking.
    func releaseBlockLocked(_ index: Int64) -> CheckedContinuation<Void, Never>? {
        guard var waiters = state.busyBlocks[index], !waiters.isEmpty else {
            state.busyBlocks[index] = nil
            return nil
        }
        let next = waiters.removeFirst()
        state.busyBlocks[index] = waiters
        return next
    }

    /// Gives up block `index`.
    func releaseBlock(_ index: Int64) {
        lock.withLock { releaseBlockLocked(index) }?.resume()
    }
}

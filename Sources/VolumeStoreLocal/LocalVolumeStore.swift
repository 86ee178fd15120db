import BlockEngine
import BlockSnapCore
import Logging

/// The live data of the volumes this node serves, in local files: sparse data segment files per
/// volume (1 TiB each by default, so a 64 TiB volume fits a filesystem whose files stop at
/// 16 TiB) plus durable block state (which blocks are local, which changed since the last
/// snapshot). Blocks that are not local read from the volume's base block map, lazily.
/// See docs/volume-store.md for the layout, the durability rules and copy-before-write.
///
/// Invariants:
/// - Point in time: `freeze` takes one instant for all the volumes it is given; every write
///   acknowledged before the call is in the frozen content, no write issued after the barrier
///   is; frozen content stays readable exactly as of the freeze while writes go on.
/// - A write acknowledged by `flush` (or written with `fua`) is durable, and so is its block's
///   changed mark; after a crash the changed set is widened to every local block.
/// - The data path (`read`, `write`, …) takes no actor hop and no store-wide lock: each volume
///   has its own lock, held only for in-memory work.
public actor LocalVolumeStore: VolumeDataPlane, VolumeBlockIO {
    /// Tuning knobs, with defaults.
    public struct Configuration: Sendable {
        /// Pool threads for fsyncs, whole-block copies and large transfers.
        public var ioThreads: Int
        /// Transfers of at most this many bytes run on the caller's thread (page-cache copies
        /// this small cost less than a thread hop and back; 256 KiB is `nbdcopy`'s request).
        public var inlineTransferLimit: Int
        /// Decoded base-map blocks kept in memory (512 KiB each), shared by all volumes.
        public var baseCacheBlocks: Int
        /// Journal size at which it is folded into a new checkpoint (at least twice the bitmaps).
        public var journalCheckpointBytes: Int
        /// Most blocks one `blockStatus` call describes (4 GiB by default).
        public var maxStatusBlocks: Int64
        /// Bytes per data segment file of a volume created from now on (1 TiB by default); rounded
        /// down to a multiple of the block size, at least one block. It must not exceed the
        /// filesystem's largest file (16 TiB on ext4). An existing volume keeps the size recorded
        /// in its checkpoint; a volume of the old single-file layout gets at least its file's
        /// length. Each segment a volume has written holds one descriptor while it is open.
        public var segmentBytes: Int64
        /// Copy-before-write space a volume keeps, with its pages, while no snapshot of it is
        /// pending (2 GiB by default), so the next snapshot's copies reuse page-cache pages
        /// instead of allocating new ones. Beyond it the space is returned at the next freeze.
        public var retainedPreservationBytes: Int64

        /// Creates a configuration.
        public init(
            ioThreads: Int = 4, inlineTransferLimit: Int = 256 * 1024, baseCacheBlocks: Int = 32,
            journalCheckpointBytes: Int = 4 << 20, maxStatusBlocks: Int64 = 8192, segmentBytes: Int64 = 1 << 40,
            retainedPreservationBytes: Int64 = 2 << 30
        ) {
            self.ioThreads = ioThreads
            self.inlineTransferLimit = inlineTransferLimit
            self.baseCacheBlocks = baseCacheBlocks
            self.journalCheckpointBytes = journalCheckpointBytes
            self.maxStatusBlocks = maxStatusBlocks
            self.segmentBytes = segmentBytes
            self.retainedPreservationBytes = max(0, retainedPreservationBytes)
        }

        /// `segmentBytes` as a valid segment size.
        var effectiveSegmentBytes: Int64 {
            let block = Int64(BlockGeometry.blockSize)
            return max(block, segmentBytes / block * block)
        }
    }

    /// The directory holding one subdirectory per volume.
    public nonisolated let root: String
    nonisolated let registry = VolumeRegistry()
    nonisolated let context: VolumeContext
    nonisolated let configuration: Configuration
    /// Serializes create, open, close and delete.
    let lifecycle = AsyncMutex()
    /// Serializes freezes, so each one's changed sets are relative to the previous one.
    let freezing = AsyncMutex()

    /// Creates a store over `root` (created on first use). Volumes are not opened until
    /// `open` or `createVolume` names them.
    public init(
        root: String, blockMap: BlockMap, blockStore: BlockStore, logger: Logger,
        configuration: Configuration = Configuration()
    ) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        self.configuration = configuration
        context = VolumeContext(
            io: IOExecutor(
                label: "blocksnap.volume-store", width: configuration.ioThreads,
                inlineLimit: configuration.inlineTransferLimit),
            base: BaseBlockReader(blockMap: blockMap, blockStore: blockStore, capacity: configuration.baseCacheBlocks),
            logger: logger, checkpointBytes: configuration.journalCheckpointBytes,
            segmentBytes: configuration.effectiveSegmentBytes)
    }

}

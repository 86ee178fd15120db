import BlockSnapCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where copy-before-write keeps the frozen bytes of one volume's blocks: numbered 512 KiB
/// slots, spread round-robin over a few side files so that concurrent copies do not queue on
/// one file's inode lock. Each side file is unlinked as soon as it is created, so a crash leaves
/// nothing behind.
///
/// Slots are reused. A released freeze gives its slots back, and the next freeze's copies take
/// the lowest free slots first, so they overwrite pages already in the page cache rather than
/// allocate new ones (allocating fresh pages costs several times the copy itself, most of all
/// in a VM). Between freezes the space is trimmed to `retainedSlots` slots, so a volume keeps
/// at most that much disk and page cache for copies while no snapshot of it is pending.
///
/// The space remembers which pages of each slot were written since the last trim
/// (`isWrittenLocked`): a copy over such pages goes through one of its `buffers` (a `pread`
/// and a `pwrite` over page-cache pages that exist), which costs about half an in-kernel
/// `copy_file_range` on Linux 6.x; a copy into pages never written goes through the kernel,
/// which allocates fresh pages faster than a `pwrite` does.
///
/// Invariants: a slot belongs to at most one freeze at a time; slot `s` is at offset
/// `(s / shardCount) * blockSize` of file `s % shardCount`; the files are not truncated while
/// any slot is allocated. The allocator is guarded by the owning `VolumeFile.lock`.
final class PreservationSpace: @unchecked Sendable {
    /// Side files per volume.
    static let shardCount = 4
    private static let blockSize = Int64(BlockGeometry.blockSize)

    /// The side files, unlinked.
    let files: [POSIXFile]
    /// Slots kept (with their pages) between freezes.
    let retainedSlots: Int
    /// Free slots below `highWater`, highest first (so `popLast` yields the lowest); guarded.
    private var free: [Int] = []
    /// Slots ever handed out since the last trim; guarded.
    private var highWater = 0
    /// The pages of each slot below `highWater` written since the last trim; guarded.
    private var written: [PreservedPages] = []
    /// Buffers for copies over written pages.
    let buffers = CopyBufferPool(capacity: 8)
    /// Slots currently allocated (every slot below `highWater` is free or allocated); guarded.
    var allocatedCount: Int { highWater - free.count }
    /// Slots the files span (handed out since the last trim); guarded.
    var slotCountLocked: Int { highWater }

    /// Creates the side files in the volume's directory and unlinks them at once.
    init(layout: VolumeLayout, retainedSlots: Int) throws {
        var files: [POSIXFile] = []
        for _ in 0..<Self.shardCount {
            let path = layout.preservedPath(String(UInt64.random(in: 0...UInt64.max), radix: 16))
            let file = try POSIXFile.open(path, flags: O_RDWR | O_CREAT | O_EXCL)
            try DirectoryOperations.removeFile(path, durably: false)
            files.append(file)
        }
        self.files = files
        self.retainedSlots = max(0, retainedSlots)
    }

    /// Takes the lowest free slot (lock held).
    func allocateLocked() -> Int {
        if let slot = free.popLast() { return slot }
        written.append(PreservedPages(slot: highWater))
        highWater += 1
        return highWater - 1
    }

    /// Whether every page of `pages` of `slot` was written since the last trim (lock held).
    func isWrittenLocked(_ slot: Int, pages: Range<Int>) -> Bool {
        written[slot].missing(in: pages).isEmpty
    }

    /// Records `pages` of `slot` as written (lock held).
    func markWrittenLocked(_ slot: Int, pages: Range<Int>) {
        written[slot].insert(pages)
    }

    /// Gives `slots` back (lock held).
    func releaseLocked(_ slots: [Int]) {
        guard !slots.isEmpty else { return }
        free += slots
        free.sort(by: >)
    }

    /// The file and offset of `slot`.
    func location(of slot: Int) -> (file: POSIXFile, offset: Int64) {
        (files[slot % Self.shardCount], Int64(slot / Self.shardCount) * Self.blockSize)
    }

    /// The slots to keep after a trim, or nil when there is nothing to trim (lock held). The
    /// caller must then `truncate` with no freeze able to allocate meanwhile.
    func trimTargetLocked() -> Int? {
        guard allocatedCount == 0, highWater > retainedSlots else { return nil }
        highWater = retainedSlots
        free = Array((0..<retainedSlots).reversed())
        written.removeLast(written.count - retainedSlots)
        return retainedSlots
    }

    /// Cuts the files to hold exactly `slots` slots, returning the rest of their space.
    func truncate(toSlots slots: Int) throws {
        for (shard, file) in files.enumerated() {
            let shardSlots = slots / Self.shardCount + (shard < slots % Self.shardCount ? 1 : 0)
            try file.truncate(to: Int64(shardSlots) * Self.blockSize)
        }
    }
}

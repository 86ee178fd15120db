import BlockSnapCore

/// What a write puts into the volume.
enum WritePayload: Sendable {
    /// These bytes, from the start of the write.
    case bytes([UInt8])
    /// Zeros (write-zeroes and trim).
    case zeros
}

/// The write path, one block at a time:
///
///     enterWrite ─▶ for each block: acquireBlock
///                     ├─ copy-before-write into pending freezes that still need the old bytes
///                     ├─ non-local and partial? fill from the base map (or clear to zeros)
///                     ├─ pwrite (or punch a hole for a whole zero block)
///                     └─ mark local + changed (+ journal record), release the block
///                 exitWrite
///
/// A block lies in one data segment (the segment size is a multiple of the block size), so each
/// step touches one segment file; a write spanning a segment boundary is two blocks' steps.
///
/// Invariants: a block is marked local only after its bytes are in its segment; a frozen
/// block's old bytes are preserved before anything overwrites them.
extension VolumeFile {
    /// Writes `length` bytes at `offset`.
    func write(offset: Int64, length: Int, payload: WritePayload) async throws {
        try await enterWrite(offset: offset, length: Int64(length))
        defer { exitWrite() }
        let end = offset + Int64(length)
        var position = offset
        while position < end {
            let index = position / Self.blockSize
            let blockStart = index * Self.blockSize
            let stop = min(end, blockStart + Self.blockSize)
            try await writeBlock(
                index, within: Int(position - blockStart), count: Int(stop - position), payload: payload,
                source: Int(position - offset))
            position = stop
        }
    }

    /// The write done on the calling thread, for a write of at most the inline transfer limit
    /// within one block that is local, while no freeze holds the write barrier and no other task
    /// holds the block. False, with nothing written, otherwise. The same steps as `write` in
    /// that case (copy-before-write of the pages a pending freeze still needs included),
    /// without suspending.
    func writeNow(offset: Int64, bytes: [UInt8]) throws -> Bool {
        let count = bytes.count
        guard count > 0, count <= context.io.inlineLimit else { return false }
        let index = offset / Self.blockSize
        guard offset >= 0, (offset + Int64(count) - 1) / Self.blockSize == index else { return false }
        let within = Int(offset - index * Self.blockSize)
        let targets = try lock.withLock { () throws -> [PreservationTarget]? in
            // `enterWrite` and `acquireBlock`, for the case where neither has to wait.
            try checkWritableLocked(offset: offset, length: Int64(count))
            guard state.barriers == 0, state.local.contains(index), takeBlockLocked(index) else { return nil }
            state.inFlight += 1
            return preservationTargetsLocked(index, pages: PreservedPages.pages(within: within, count: count))
        }
        guard let targets else { return false }
        defer { exitWrite() }
        do {
            if !targets.isEmpty { try preserveNow(index, into: targets) }
            try data.write(bytes, range: 0..<count, at: offset)
        } catch {
            releaseBlock(index)
            throw error
        }
        finishWrite(index)
        return true
    }

    private func writeBlock(_ index: Int64, within: Int, count: Int, payload: WritePayload, source: Int) async throws {
        await acquireBlock(index)
        do {
            let whole = within == 0 && count == BlockGeometry.blockSize
            let (isLocal, base, targets) = lock.withLock { () -> (Bool, BlockHash?, [PreservationTarget]) in
                let isLocal = state.local.contains(index)
                // Only the pages this write changes need saving; a write that rewrites the whole
                // block (zeroing it, or filling it from the base) changes every page.
                let zeroesWhole = whole && { if case .zeros = payload { true } else { false } }()
                let pages =
                    isLocal && !zeroesWhole
                    ? PreservedPages.pages(within: within, count: count) : 0..<PreservedPages.pagesPerBlock
                return (isLocal, state.base, preservationTargetsLocked(index, pages: pages))
            }
            if !targets.isEmpty { try await preserve(index, into: targets) }
            let blockOffset = index * Self.blockSize
            if case .zeros = payload, whole {
                try await clearBlock(index)
            } else if isLocal || whole {
                try await put(payload, source: source, count: count, at: blockOffset + Int64(within))
            } else if var block = try await context.base.content(root: base, index: index) {
                switch payload {
                case .bytes(let bytes):
                    block.replaceSubrange(within..<within + count, with: bytes[source..<source + count])
                case .zeros: block.replaceSubrange(within..<within + count, with: repeatElement(0, count: count))
                }
                try await put(.bytes(block), source: 0, count: BlockGeometry.blockSize, at: blockOffset)
            } else {
                try await clearBlock(index)
                if case .bytes = payload {
                    try await put(payload, source: source, count: count, at: blockOffset + Int64(within))
                }
            }
        } catch {
            releaseBlock(index)
            throw error
        }
        finishWrite(index)
    }

    /// Marks block `index` written and hands it on.
    private func finishWrite(_ index: Int64) {
        let waiter = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            state.local.insert(index)
            state.changed.insert(index)
            if state.marked.insert(index) { state.pendingRecords.append(.written(index)) }
            for freeze in state.freezes
            where freeze.frozen.contains(index) && freeze.delivered.contains(index)
                && freeze.preserved[index]?.isComplete != true
            {
                // Read by the capturer before this write, so not (wholly) preserved: a re-read
                // cannot be served.
                freeze.gone.insert(index)
            }
            return releaseBlockLocked(index)
        }
        waiter?.resume()
    }

    /// Writes `count` bytes of the payload, from `source`, at volume offset `offset`.
    private func put(_ payload: WritePayload, source: Int, count: Int, at offset: Int64) async throws {
        let data = self.data
        try await context.io.transfer(bytes: count) {
            switch payload {
            case .bytes(let bytes): try data.write(bytes, range: source..<source + count, at: offset)
            case .zeros: try data.write([UInt8](repeating: 0, count: count), range: 0..<count, at: offset)
            }
        }
    }

    /// Makes block `index` of the data segments read as zeros: punches a hole, or writes zeros
    /// where holes are not supported.
    private func clearBlock(_ index: Int64) async throws {
        let data = self.data
        let offset = index * Self.blockSize
        if try data.punchHole(at: offset, length: Self.blockSize) { return }
        try await put(.zeros, source: 0, count: BlockGeometry.blockSize, at: offset)
    }

    /// The pending freezes that still need some of `pages` of block `index` as they are now
    /// (lock held): those that contain the block, whose capturer has not read it, and that have
    /// not saved those pages yet. Allocates a slot for a block's first saved pages, and counts
    /// the copy as a user of each freeze's slots until `preserve` ends it.
    private func preservationTargetsLocked(_ index: Int64, pages: Range<Int>) -> [PreservationTarget] {
        var targets: [PreservationTarget] = []
        for freeze in state.freezes where freeze.frozen.contains(index) && !freeze.delivered.contains(index) {
            guard let space = freeze.space else { continue }
            let saved = freeze.preserved[index]
            let runs = saved?.missing(in: pages) ?? [pages]
            guard !runs.isEmpty else { continue }
            let slot = saved?.slot ?? space.allocateLocked()
            if saved == nil { freeze.preserved[index] = PreservedPages(slot: slot) }
            freeze.slotUsers += 1
            let (file, offset) = space.location(of: slot)
            let overWritten = runs.map { space.isWrittenLocked(slot, pages: $0) }
            for run in runs { space.markWrittenLocked(slot, pages: run) }
            targets.append(
                PreservationTarget(
                    freeze: freeze, space: space, file: file, slotOffset: offset, slot: slot, pages: runs,
                    overWrittenPages: overWritten))
        }
        return targets
    }

    /// Copies the pages of block `index` that each target needs into its slot, at the same
    /// offsets, then records them as saved. A few pages (a small write's) are copied on the
    /// calling task, like any small transfer; more go to the I/O threads.
    private func preserve(_ index: Int64, into targets: [PreservationTarget]) async throws {
        var copied = false
        defer { recordPreserved(index, targets, copied: copied) }
        let bytes = targets.reduce(0) { total, target in
            total + target.pages.reduce(0) { $0 + PreservedPages.bytes(of: $1).count }
        }
        try await context.io.transfer(bytes: bytes) { [self] in try copyPages(index, targets) }
        copied = true
    }

    /// `preserve`, on the calling thread.
    private func preserveNow(_ index: Int64, into targets: [PreservationTarget]) throws {
        var copied = false
        defer { recordPreserved(index, targets, copied: copied) }
        try copyPages(index, targets)
        copied = true
    }

    /// Copies each target's pages of block `index` from the data segments into its slot: a run
    /// over slot pages written before goes through one of the space's buffers (`pread` +
    /// `pwrite` into existing page-cache pages); any other run, or one finding every buffer in
    /// use, is copied inside the kernel (one system call per run, fresh pages allocated there).
    private func copyPages(_ index: Int64, _ targets: [PreservationTarget]) throws {
        let blockOffset = index * Self.blockSize
        for target in targets {
            for (run, overWritten) in zip(target.pages, target.overWrittenPages) {
                let range = PreservedPages.bytes(of: run)
                let source = blockOffset + Int64(range.lowerBound)
                let destination = target.slotOffset + Int64(range.lowerBound)
                if overWritten,
                    try target.space.buffers.withBuffer({ buffer -> Void in
                        let piece = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<range.count])
                        try data.read(into: piece, at: source)
                        try target.file.write(UnsafeRawBufferPointer(piece), at: destination)
                    }) != nil
                {
                    continue
                }
                try data.copy(count: range.count, at: source, to: target.file, at: destination)
            }
        }
    }

    /// Marks the copied pages saved (unless the copy failed or the freeze was released since),
    /// and ends the copy's use of each freeze's slots.
    private func recordPreserved(_ index: Int64, _ targets: [PreservationTarget], copied: Bool) {
        lock.withLock {
            for target in targets {
                if copied, !target.freeze.released {
                    var saved = target.freeze.preserved[index] ?? PreservedPages(slot: target.slot)
                    for run in target.pages { saved.insert(run) }
                    target.freeze.preserved[index] = saved
                }
                target.freeze.endSlotUseLocked()
            }
        }
    }
}

/// Pages of one block to save into one freeze's slot.
struct PreservationTarget: Sendable {
    let freeze: FreezeState
    /// The space the slot belongs to, the slot's side file and offset there.
    let space: PreservationSpace
    let file: POSIXFile
    let slotOffset: Int64
    let slot: Int
    /// Runs of 4 KiB pages, in order.
    let pages: [Range<Int>]
    /// For each run, whether the slot's pages there were written before (since the last trim).
    let overWrittenPages: [Bool]
}

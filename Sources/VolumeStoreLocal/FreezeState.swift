import BlockSnapCore

/// One pending freeze of one volume: the blocks it froze and where their frozen bytes are.
///
/// A frozen block's bytes as of the freeze are, in order of precedence:
/// 1. in its slot `preserved[index]` of the volume's `PreservationSpace`, when every 4 KiB page
///    of it was saved there by writes after the freeze (copy-before-write saves exactly the
///    pages a write overwrites);
/// 2. else, if the capturer already read it and a write followed (`gone`): nowhere — a re-read
///    fails with `.frozenBlockUnavailable`;
/// 3. else the block in the data segments, with the pages saved in its slot (if any) taken from
///    the slot instead.
///
/// A freeze takes at most one slot per frozen block (and only for blocks written before the
/// capturer read them), filled only in the pages written; memory holds slot numbers and page
/// bits. Its slots go back to the space when it is released and no copy into or read from them
/// is still running (`slotUsers`), so a slot is never reused under a copy in flight.
///
/// Invariants: `frozen` never changes; every other property is guarded by the owning
/// `VolumeFile.lock`; once `released`, nothing is preserved into or read from it.
final class FreezeState: @unchecked Sendable {
    /// The blocks changed since the last captured freeze, as of this one.
    let frozen: Bitmap
    /// Copy-before-write space; nil once released.
    var space: PreservationSpace?
    /// Slot and saved pages of each block written since the freeze.
    var preserved: [Int64: PreservedPages] = [:]
    /// Blocks the capturer has read from the data segments (they need no copy-before-write).
    var delivered = Bitmap()
    /// Delivered blocks overwritten since.
    var gone = Set<Int64>()
    /// Set by `release`.
    var released = false
    /// Copies into and reads from this freeze's slots under way.
    var slotUsers = 0
    /// The slots to give back once released and unused.
    private var releasedSlots: [Int] = []
    /// The space the released slots go back to.
    private var releasedSpace: PreservationSpace?

    /// Creates a freeze of `frozen` preserving into `space`.
    init(frozen: Bitmap, space: PreservationSpace) {
        self.frozen = frozen
        self.space = space
    }

    /// Marks the freeze released; its slots return to the space now or when the last user ends
    /// (lock held).
    func releaseLocked() {
        guard !released else { return }
        released = true
        releasedSpace = space
        releasedSlots = preserved.values.map(\.slot)
        space = nil
        preserved = [:]
        returnSlotsIfUnusedLocked()
    }

    /// Ends one use of the slots begun by incrementing `slotUsers` (lock held).
    func endSlotUseLocked() {
        slotUsers -= 1
        returnSlotsIfUnusedLocked()
    }

    private func returnSlotsIfUnusedLocked() {
        guard released, slotUsers == 0, let space = releasedSpace else { return }
        space.releaseLocked(releasedSlots)
        releasedSlots = []
        releasedSpace = nil
    }
}

/// Freezing and releasing, on the volume side.
extension VolumeFile {
    /// The volume's copy-before-write space, created on first use, and trimmed when no freeze
    /// of the volume is pending. Called only by `LocalVolumeStore.freeze`, which is serialized,
    /// before the volume's barrier (or under it, drained): so no freeze appears (and no slot is
    /// allocated) meanwhile.
    ///
    /// Nil, creating nothing, for a volume without a space and with nothing to freeze (no block
    /// changed, no freeze pending), unless `evenIfUnchanged`: a CreateSnapshot of an unwritten
    /// volume then costs no side files (creating and unlinking 4 files took ~40% of the server's
    /// CPU in a loop of CreateSnapshot calls on fresh volumes).
    func preparePreservationSpace(retainedSlots: Int, evenIfUnchanged: Bool = false) async throws
        -> PreservationSpace?
    {
        let (existing, trim, needed) = try lock.withLock { () throws -> (PreservationSpace?, Int?, Bool) in
            if state.closed { throw VolumeStoreError.unknownVolume(id) }
            guard let space = state.preservation else {
                return (nil, nil, evenIfUnchanged || !state.changed.isEmpty || !state.freezes.isEmpty)
            }
            return (space, state.freezes.isEmpty ? space.trimTargetLocked() : nil, true)
        }
        if let existing {
            if let trim { try await context.io.run { try existing.truncate(toSlots: trim) } }
            return existing
        }
        guard needed else { return nil }
        let layout = self.layout
        let space = try await context.io.run { try PreservationSpace(layout: layout, retainedSlots: retainedSlots) }
        lock.withLock { state.preservation = space }
        return space
    }

    /// What `swapChanged` did.
    enum SwapOutcome {
        /// Nothing to freeze.
        case unchanged
        /// A freeze started.
        case frozen(FreezeState)
        /// There are blocks to freeze but no space was given: prepare one and swap again.
        case needsSpace
    }

    /// Swaps the changed set for an empty one and starts a freeze. The caller holds this
    /// volume's barrier and has drained it.
    ///
    /// The freeze holds the blocks changed since the last *captured* freeze: the changed set plus
    /// the blocks of every freeze still pending. So each freeze stands on its own: if an earlier
    /// pending freeze is later released uncaptured (its snapshot failed), this one still holds
    /// every change since the snapshot its own snapshot will be built on. A block of an earlier
    /// freeze that was not written since reads the same in both, so it dedups.
    func swapChanged(space: PreservationSpace?) throws -> SwapOutcome {
        try lock.withLock { () throws -> SwapOutcome in
            if state.closed { throw VolumeStoreError.unknownVolume(id) }
            var frozen = state.changed
            for pending in state.freezes { frozen.formUnion(pending.frozen) }
            guard !frozen.isEmpty else { return .unchanged }
            guard let space else { return .needsSpace }
            let freeze = FreezeState(frozen: frozen, space: space)
            state.changed = Bitmap()
            state.freezes.append(freeze)
            return .frozen(freeze)
        }
    }

    /// Ends a freeze. Uncaptured, its blocks count as changed again; captured, the blocks not
    /// changed since and not in another pending freeze get a `.cleared` record for the next flush.
    func release(_ freeze: FreezeState, captured: Bool) {
        lock.withLock {
            guard !freeze.released else { return }
            freeze.releaseLocked()
            state.freezes.removeAll { $0 === freeze }
            guard !state.closed else { return }
            if !captured {
                state.changed.formUnion(freeze.frozen)
                return
            }
            for index in freeze.frozen.indexes()
            where !state.changed.contains(index) && !state.freezes.contains(where: { $0.frozen.contains(index) }) {
                if state.marked.remove(index) { state.pendingRecords.append(.cleared(index)) }
            }
        }
    }

    /// Block `index` as of `freeze`.
    func readFrozen(_ freeze: FreezeState, index: Int64) async throws -> [UInt8] {
        guard freeze.frozen.contains(index) else {
            throw VolumeStoreError(.frozenBlockUnavailable, "block \(index) of \(id) is not part of this freeze")
        }
        if case .preserved(let space, let slot) = try lock.withLock({ try frozenSourceLocked(freeze, index) }) {
            return try await readSlot(freeze, space, slot)
        }
        await acquireBlock(index)
        do {
            var bytes: [UInt8]
            switch try lock.withLock({ try frozenSourceLocked(freeze, index) }) {
            case .preserved(let space, let slot):
                bytes = try await readSlot(freeze, space, slot)
            case .live(let space, let saved):
                let (data, offset) = (self.data, index * Self.blockSize)
                bytes = try await context.io.run { try data.read(count: BlockGeometry.blockSize, at: offset) }
                if let saved { try await overlay(saved, freeze, from: space, onto: &bytes) }
                lock.withLock { _ = freeze.delivered.insert(index) }
            }
            releaseBlock(index)
            return bytes
        } catch {
            releaseBlock(index)
            throw error
        }
    }

    private enum FrozenSource {
        /// The whole block is in this slot.
        case preserved(PreservationSpace, Int)
        /// The live block, with these pages (if any) from their slot.
        case live(PreservationSpace, PreservedPages?)
    }

    private func frozenSourceLocked(_ freeze: FreezeState, _ index: Int64) throws -> FrozenSource {
        if state.closed { throw VolumeStoreError.unknownVolume(id) }
        guard !freeze.released, let space = freeze.space else {
            throw VolumeStoreError(.frozenBlockUnavailable, "the freeze of \(id) was released")
        }
        let saved = freeze.preserved[index]
        if let saved, saved.isComplete { return .preserved(space, saved.slot) }
        if freeze.gone.contains(index) {
            throw VolumeStoreError(
                .frozenBlockUnavailable, "block \(index) of \(id) was overwritten after it was read from this freeze")
        }
        return .live(space, saved)
    }

    /// Runs `body` as a user of `freeze`'s slots: they are not given back meanwhile. Fails if
    /// the freeze was released.
    private func usingSlots<T>(of freeze: FreezeState, _ body: () async throws -> T) async throws -> T {
        try lock.withLock {
            guard !freeze.released else {
                throw VolumeStoreError(.frozenBlockUnavailable, "the freeze of \(id) was released")
            }
            freeze.slotUsers += 1
        }
        defer { lock.withLock { freeze.endSlotUseLocked() } }
        return try await body()
    }

    /// Replaces the saved pages of `bytes` (a live block) with their copies in the block's slot.
    private func overlay(
        _ saved: PreservedPages, _ freeze: FreezeState, from space: PreservationSpace, onto bytes: inout [UInt8]
    ) async throws {
        let (file, slotOffset) = space.location(of: saved.slot)
        // All the runs in one trip to the I/O threads (random small writes leave many).
        let runs = saved.savedRuns.map(PreservedPages.bytes(of:))
        let copies = try await usingSlots(of: freeze) {
            try await context.io.run {
                try runs.map { range in try file.read(count: range.count, at: slotOffset + Int64(range.lowerBound)) }
            }
        }
        for (range, copy) in zip(runs, copies) { bytes.replaceSubrange(range, with: copy) }
    }

    private func readSlot(_ freeze: FreezeState, _ space: PreservationSpace, _ slot: Int) async throws -> [UInt8] {
        let (file, offset) = space.location(of: slot)
        return try await usingSlots(of: freeze) {
            try await context.io.run { try file.read(count: BlockGeometry.blockSize, at: offset) }
        }
    }
}

import BlockSnapCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One pending freeze of one volume: the blocks it froze and where their frozen bytes are.
///
/// A frozen block's bytes as of the freeze are, in order of precedence:
/// 1. in the side file's slot `preserved[index]`, when every 4 KiB page of it was saved there by
///    writes after the freeze (copy-before-write saves exactly the pages a write overwrites);
/// 2. else, if the capturer already read it and a write followed (`gone`): nowhere — a re-read
///    fails with `.frozenBlockUnavailable`;
/// 3. else the block in the data segments, with the pages saved in its slot (if any) taken from
///    the slot instead.
///
/// The side file is unlinked as soon as it is created, so it needs no cleanup after a crash; its
/// space is returned when the freeze is released and the last in-flight copy drops the descriptor.
/// It holds at most one 512 KiB slot per frozen block (and only for blocks written before the
/// capturer read them), filled only in the pages written; memory holds slot numbers and page bits.
///
/// Invariants: `frozen` never changes; every other property is guarded by the owning
/// `VolumeFile.lock`; once `released`, nothing is preserved into or read from it.
final class FreezeState: @unchecked Sendable {
    /// The blocks changed since the last captured freeze, as of this one.
    let frozen: Bitmap
    /// Copy-before-write file; nil once released.
    var sideFile: POSIXFile?
    /// Next free slot in the side file.
    var nextSlot = 0
    /// Side-file slot and saved pages of each block written since the freeze.
    var preserved: [Int64: PreservedPages] = [:]
    /// Blocks the capturer has read from the data segments (they need no copy-before-write).
    var delivered = Bitmap()
    /// Delivered blocks overwritten since.
    var gone = Set<Int64>()
    /// Set by `release`.
    var released = false

    /// Creates a freeze of `frozen` preserving into `sideFile`.
    init(frozen: Bitmap, sideFile: POSIXFile) {
        self.frozen = frozen
        self.sideFile = sideFile
    }
}

/// Freezing and releasing, on the volume side.
extension VolumeFile {
    /// Swaps the changed set for an empty one and starts a freeze; nil if there is nothing to
    /// freeze. The caller holds this volume's barrier and has drained it.
    ///
    /// The freeze holds the blocks changed since the last *captured* freeze: the changed set plus
    /// the blocks of every freeze still pending. So each freeze stands on its own: if an earlier
    /// pending freeze is later released uncaptured (its snapshot failed), this one still holds
    /// every change since the snapshot its own snapshot will be built on. A block of an earlier
    /// freeze that was not written since reads the same in both, so it dedups.
    func swapChanged(sideFile: POSIXFile) throws -> FreezeState? {
        try lock.withLock { () throws -> FreezeState? in
            if state.closed { throw VolumeStoreError.unknownVolume(id) }
            var frozen = state.changed
            for pending in state.freezes { frozen.formUnion(pending.frozen) }
            guard !frozen.isEmpty else { return nil }
            let freeze = FreezeState(frozen: frozen, sideFile: sideFile)
            state.changed = Bitmap()
            state.freezes.append(freeze)
            return freeze
        }
    }

    /// Ends a freeze. Uncaptured, its blocks count as changed again; captured, the blocks not
    /// changed since and not in another pending freeze get a `.cleared` record for the next flush.
    func release(_ freeze: FreezeState, captured: Bool) {
        lock.withLock {
            guard !freeze.released else { return }
            freeze.released = true
            freeze.sideFile = nil
            freeze.preserved = [:]
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
        if case .preserved(let file, let slot) = try lock.withLock({ try frozenSourceLocked(freeze, index) }) {
            return try await readSlot(file, slot)
        }
        await acquireBlock(index)
        do {
            var bytes: [UInt8]
            switch try lock.withLock({ try frozenSourceLocked(freeze, index) }) {
            case .preserved(let file, let slot):
                bytes = try await readSlot(file, slot)
            case .live(let file, let saved):
                let (data, offset) = (self.data, index * Self.blockSize)
                bytes = try await context.io.run { try data.read(count: BlockGeometry.blockSize, at: offset) }
                if let saved { try await overlay(saved, from: file, onto: &bytes) }
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
        case preserved(POSIXFile, Int)
        /// The live block, with these pages (if any) from the side file.
        case live(POSIXFile, PreservedPages?)
    }

    private func frozenSourceLocked(_ freeze: FreezeState, _ index: Int64) throws -> FrozenSource {
        if state.closed { throw VolumeStoreError.unknownVolume(id) }
        guard !freeze.released, let file = freeze.sideFile else {
            throw VolumeStoreError(.frozenBlockUnavailable, "the freeze of \(id) was released")
        }
        let saved = freeze.preserved[index]
        if let saved, saved.isComplete { return .preserved(file, saved.slot) }
        if freeze.gone.contains(index) {
            throw VolumeStoreError(
                .frozenBlockUnavailable, "block \(index) of \(id) was overwritten after it was read from this freeze")
        }
        return .live(file, saved)
    }

    /// Replaces the saved pages of `bytes` (a live block) with their copies in the side file.
    private func overlay(_ saved: PreservedPages, from file: POSIXFile, onto bytes: inout [UInt8]) async throws {
        let slotOffset = Int64(saved.slot) * Self.blockSize
        for run in saved.savedRuns {
            let range = PreservedPages.bytes(of: run)
            let copy = try await context.io.run { try file.read(count: range.count, at: slotOffset + Int64(range.lowerBound)) }
            bytes.replaceSubrange(range, with: copy)
        }
    }

    private func readSlot(_ file: POSIXFile, _ slot: Int) async throws -> [UInt8] {
        try await context.io.run { try file.read(count: BlockGeometry.blockSize, at: Int64(slot) * Self.blockSize) }
    }
}

extension FreezeState {
    /// Creates a copy-before-write side file in the volume's directory and unlinks it at once:
    /// it lives only as long as its descriptor, so a crash leaves nothing behind.
    static func makeSideFile(_ layout: VolumeLayout) throws -> POSIXFile {
        let path = layout.preservedPath(String(UInt64.random(in: 0...UInt64.max), radix: 16))
        let file = try POSIXFile.open(path, flags: O_RDWR | O_CREAT | O_EXCL)
        try DirectoryOperations.removeFile(path, durably: false)
        return file
    }
}

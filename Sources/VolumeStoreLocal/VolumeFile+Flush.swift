/// Flush, resize and close. All three hold `flushMutex`, the only place `metadata` is used.
///
/// Flush order (write-ahead for changed-block tracking):
///
///     take the pending records (of writes finished before this flush began)
///     take the unsynced segments       segment 0, every other segment those writes touched
///                                      (unless an earlier flush synced it), and any created
///     fdatasync each, fsync the directory if a segment was created
///                                      the blocks' bytes are durable
///     append the records, fdatasync    they are durably local and changed
///     answer
///
/// Concurrent flushes group-commit: a flush whose request was covered by one that ran after it
/// was made returns without a second fsync.
extension VolumeFile {
    /// Makes every write finished before this call durable, data and block state.
    func flush() async throws {
        let ticket = try lock.withLock { () throws -> UInt64 in
            if state.closed { throw VolumeStoreError.unknownVolume(id) }
            state.flushRequested += 1
            return state.flushRequested
        }
        await flushMutex.acquire()
        defer { flushMutex.release() }
        try await flushHoldingMutex(ticket: ticket)
    }

    /// The flush itself; the caller holds `flushMutex`. A nil ticket always flushes.
    private func flushHoldingMutex(ticket: UInt64?) async throws {
        let taken = try lock.withLock { () throws -> (covers: UInt64, records: [JournalRecord])? in
            if let failure = state.failure { throw failure }
            if let ticket, state.flushCompleted >= ticket { return nil }
            defer { state.pendingRecords = [] }
            return (state.flushRequested, state.pendingRecords)
        }
        guard let (covers, records) = taken else { return }
        let (data, metadata) = (self.data, self.metadata)
        // After the records: a write whose record was taken has marked its segment dirty.
        let pending = data.takeUnsynced()
        do {
            try await context.io.run { try data.sync(pending) }
        } catch let error as VolumeStoreError {
            let failure = VolumeStoreError(
                .ioFailure, "volume \(id): data segment fsync failed, durability unknown: \(error.message)",
                errno: error.errno)
            lock.withLock {
                state.failure = failure
                state.pendingRecords = records + state.pendingRecords
            }
            context.logger.error("data segment fsync failed", metadata: ["volume.id": "\(id)", "error": "\(error)"])
            throw failure
        }
        do {
            if !records.isEmpty { try await context.io.run { try metadata.commit(records) } }
        } catch {
            lock.withLock { state.pendingRecords = records + state.pendingRecords }
            throw error
        }
        lock.withLock { state.flushCompleted = max(state.flushCompleted, covers) }
    }

    /// Grows the volume to `blockCount` blocks. Shrinking is refused.
    func resize(toBlocks blockCount: Int64) async throws {
        await flushMutex.acquire()
        defer { flushMutex.release() }
        let current = try lock.withLock { () throws -> Int64 in
            if state.closed { throw VolumeStoreError.unknownVolume(id) }
            return state.blockCount
        }
        guard blockCount >= current else {
            throw VolumeStoreError(
                .invalidArgument, "volume \(id) cannot shrink from \(current) to \(blockCount) blocks")
        }
        guard blockCount > current else { return }
        let data = self.data
        try await context.io.run { try data.grow(to: blockCount * Self.blockSize) }
        lock.withLock {
            state.blockCount = blockCount
            state.pendingRecords.append(.resized(blockCount))
        }
    }

    /// Closes the volume: no call succeeds afterwards. With `clean`, flushes, folds the journal
    /// into a checkpoint and creates the clean marker, so the next open trusts the changed set.
    /// Without it (delete), just stops.
    func close(clean: Bool) async throws {
        guard await shutDown(), clean else { return }
        await flushMutex.acquire()
        defer { flushMutex.release() }
        try await flushHoldingMutex(ticket: nil)
        let metadata = self.metadata
        try await context.io.run {
            try metadata.checkpoint()
            try metadata.markClean()
        }
    }
}

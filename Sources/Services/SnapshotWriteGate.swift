/// Keeps CompleteSnapshot from racing PutSnapshotBlock on one node: completion waits for the
/// block writes in flight, and a block write arriving meanwhile waits for the completion to end.
/// If it completed the snapshot, that write then finds it no longer pending and is refused; if
/// it failed (a wrong count or checksum), the write goes on, as it would have a moment later.
/// So no acknowledged block is left out of a completed snapshot's map, and no write is refused
/// because of a completion that did not happen.
///
/// Invariant: while an id is in `completing`, no write of it is registered in `writers` anew.
actor SnapshotWriteGate {
    private var writers: [String: Int] = [:]
    private var completing: Set<String> = []
    /// Completions waiting for writes to drain.
    private var drainWaiters: [String: [CheckedContinuation<Void, Never>]] = [:]
    /// Writes waiting for a completion to end.
    private var writeWaiters: [String: [CheckedContinuation<Void, Never>]] = [:]

    /// Registers a block write, once no completion of the snapshot is running; true if it had to
    /// wait for one (the snapshot may be completed now).
    @discardableResult
    func beginWrite(_ id: String) async -> Bool {
        var waited = false
        while completing.contains(id) {
            waited = true
            await withCheckedContinuation { writeWaiters[id, default: []].append($0) }
        }
        writers[id, default: 0] += 1
        return waited
    }

    /// Ends a block write.
    func endWrite(_ id: String) {
        let left = (writers[id] ?? 1) - 1
        writers[id] = left == 0 ? nil : left
        if left == 0, let list = drainWaiters.removeValue(forKey: id) {
            for waiter in list { waiter.resume() }
        }
    }

    /// Starts completing: false if another completion runs; otherwise waits for writes to drain.
    func beginCompletion(_ id: String) async -> Bool {
        guard completing.insert(id).inserted else { return false }
        if writers[id] != nil {
            await withCheckedContinuation { drainWaiters[id, default: []].append($0) }
        }
        return true
    }

    /// Ends a completion attempt, successful or not, and lets the writes that waited go on.
    func endCompletion(_ id: String) {
        completing.remove(id)
        for waiter in writeWaiters.removeValue(forKey: id) ?? [] { waiter.resume() }
    }
}

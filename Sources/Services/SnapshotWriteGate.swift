/// Keeps CompleteSnapshot from racing PutSnapshotBlock on one node: completion waits for the
/// block writes in flight and refuses new ones until it ends, so no acknowledged block is left
/// out of a completed snapshot's map.
actor SnapshotWriteGate {
    private var writers: [String: Int] = [:]
    private var completing: Set<String> = []
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]

    /// Registers a block write; false if the snapshot is being completed.
    func beginWrite(_ id: String) -> Bool {
        if completing.contains(id) { return false }
        writers[id, default: 0] += 1
        return true
    }

    /// Ends a block write.
    func endWrite(_ id: String) {
        let left = (writers[id] ?? 1) - 1
        writers[id] = left == 0 ? nil : left
        if left == 0, let list = waiters.removeValue(forKey: id) {
            for waiter in list { waiter.resume() }
        }
    }

    /// Starts completing: false if another completion runs; otherwise waits for writes to drain.
    func beginCompletion(_ id: String) async -> Bool {
        guard completing.insert(id).inserted else { return false }
        if writers[id] != nil {
            await withCheckedContinuation { waiters[id, default: []].append($0) }
        }
        return true
    }

    /// Ends a completion attempt, successful or not.
    func endCompletion(_ id: String) {
        completing.remove(id)
    }
}

import BlockSnapCore
import Foundation
import Synchronization

/// Recently seen pending snapshots, so a stream of PutSnapshotBlock calls doesn't read the
/// same catalog row for every block. Safe because the catalog re-checks `pending` atomically
/// when it records the block, and an entry whose (older, hence earlier) deadline has passed is
/// read again rather than trusted.
final class PendingSnapshotCache: Sendable {
    private let entries = Mutex<[String: SnapshotRecord]>([:])
    private let capacity = 1024

    func get(_ id: String) -> SnapshotRecord? { entries.withLock { $0[id] } }

    func put(_ snapshot: SnapshotRecord) {
        guard snapshot.status == .pending else { return forget(snapshot.id) }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[snapshot.id] = snapshot
        }
    }

    func forget(_ id: String) {
        _ = entries.withLock { $0.removeValue(forKey: id) }
    }
}

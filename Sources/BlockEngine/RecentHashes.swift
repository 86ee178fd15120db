import BlockSnapCore
import Foundation
import Synchronization

/// Hashes this process stored or re-used lately, so garbage collection never sweeps an object
/// or node that a request is about to reference. Entries older than `grace` are forgotten.
public final class RecentHashes: Sendable {
    private let entries = Mutex<[BlockHash: Date]>([:])
    private let grace: TimeInterval

    /// Creates a registry keeping hashes for `grace` seconds.
    public init(grace: TimeInterval = 600) {
        self.grace = grace
    }

    /// Records a use now.
    public func note(_ hash: BlockHash) {
        let now = Date()
        entries.withLock { entries in
            entries[hash] = now
            if entries.count > 100_000 { entries = entries.filter { now.timeIntervalSince($0.value) < grace } }
        }
    }

    /// The hashes used within the grace period.
    public func current() -> Set<BlockHash> {
        let now = Date()
        return entries.withLock { Set($0.filter { now.timeIntervalSince($0.value) < grace }.keys) }
    }
}

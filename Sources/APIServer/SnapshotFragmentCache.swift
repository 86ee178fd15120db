import AWSWire
import BlockSnapCore
import Foundation

/// The rendered `Snapshot` XML of recently described snapshots, so that paging through
/// DescribeSnapshots renders each snapshot once rather than on every walk.
///
/// Invariant: an entry is used only for a record equal to the one it was rendered from, so a
/// changed snapshot (state, progress, description, tags, …) is always rendered afresh. At most
/// `limit` entries are kept; when full, the cache starts over.
final class SnapshotFragmentCache: @unchecked Sendable {
    private let limit: Int
    private let lock = NSLock()
    // Guarded by `lock`.
    private var entries: [String: (record: SnapshotRecord, fragment: EC2Fragment)] = [:]

    init(limit: Int = 50_000) {
        self.limit = limit
    }

    /// The fragment of `record`, rendering (and keeping) it with `render` unless an equal record
    /// was rendered before.
    func fragment(
        for record: SnapshotRecord, render: (SnapshotRecord) throws(EC2EncodingError) -> EC2Fragment
    ) throws(EC2EncodingError) -> EC2Fragment {
        if let entry = lock.withLock({ entries[record.id] }), entry.record == record { return entry.fragment }
        let fragment = try render(record)
        lock.withLock {
            if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
            entries[record.id] = (record, fragment)
        }
        return fragment
    }

    /// Entries kept (for tests).
    var count: Int { lock.withLock { entries.count } }
}

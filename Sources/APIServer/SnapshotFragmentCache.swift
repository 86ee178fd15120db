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
        // Room for a typical catalog's first listing without rehashing it as it grows.
        entries.reserveCapacity(min(limit, 16_384))
    }

    /// The fragments of `records`, in order: those rendered before from equal records taken from
    /// the cache, the others rendered with `render` and kept. When many are missing (the first
    /// listing of a large catalog) they are rendered on all processors at once, in chunks.
    func fragments(
        for records: [SnapshotRecord], render: @escaping @Sendable (SnapshotRecord) throws(EC2EncodingError) -> EC2Fragment
    ) async throws -> [EC2Fragment] {
        var fragments: [EC2Fragment?] = lock.withLock {
            records.map { record in entries[record.id].flatMap { $0.record == record ? $0.fragment : nil } }
        }
        let missing = fragments.indices.filter { fragments[$0] == nil }
        guard !missing.isEmpty else { return fragments.map { $0! } }
        let chunks = missing.count < Self.parallelThreshold ? 1 : max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunkSize = (missing.count + chunks - 1) / chunks
        let rendered = try await withThrowingTaskGroup(of: [(Int, EC2Fragment)].self) { group in
            for start in stride(from: 0, to: missing.count, by: chunkSize) {
                let positions = Array(missing[start..<min(start + chunkSize, missing.count)])
                let chunk = positions.map { records[$0] }
                group.addTask {
                    var out: [(Int, EC2Fragment)] = []
                    out.reserveCapacity(chunk.count)
                    for (position, record) in zip(positions, chunk) { out.append((position, try render(record))) }
                    return out
                }
            }
            var all: [(Int, EC2Fragment)] = []
            for try await part in group { all += part }
            return all
        }
        lock.withLock {
            if entries.count + rendered.count > limit { entries.removeAll(keepingCapacity: true) }
            for (position, fragment) in rendered {
                fragments[position] = fragment
                entries[records[position].id] = (records[position], fragment)
            }
        }
        return fragments.map { $0! }
    }

    /// Missing fragments below this many are rendered on the calling task.
    static let parallelThreshold = 128

    /// Entries kept (for tests).
    var count: Int { lock.withLock { entries.count } }
}

import AWSWire
import BlockSnapCore
import Foundation
import Synchronization

/// The rendered `Snapshot` XML of recently described snapshots, by id and catalog revision, so
/// that paging through DescribeSnapshots renders, and reads the record of, each snapshot once
/// rather than on every walk.
///
/// Invariant: a fragment is used only for the revision it was rendered from; the catalog gives
/// a snapshot a new revision whenever its record changes (state, progress, description, tags,
/// …), so a changed snapshot is always read and rendered afresh. At most `limit` entries are
/// kept; when full, the cache starts over.
final class SnapshotFragmentCache: Sendable {
    private let limit: Int
    private let entries: Mutex<[String: (revision: Int64, fragment: EC2Fragment)]>

    init(limit: Int = 50_000) {
        self.limit = limit
        // Room for a typical catalog's first listing without rehashing it as it grows.
        var empty: [String: (revision: Int64, fragment: EC2Fragment)] = [:]
        empty.reserveCapacity(min(limit, 16_384))
        entries = Mutex(empty)
    }

    /// The fragments of one page, collected while the catalog reads it: `isKnown` answers
    /// whether the cache holds a snapshot's revision and, if so, keeps that fragment here, so
    /// that the page has it even if the cache starts over before the page is rendered.
    final class PageLookup: Sendable {
        private let cache: SnapshotFragmentCache
        private let hits: Mutex<[String: EC2Fragment]>

        fileprivate init(cache: SnapshotFragmentCache) {
            self.cache = cache
            var empty: [String: EC2Fragment] = [:]
            empty.reserveCapacity(1024)  // a page holds at most 1001
            hits = Mutex(empty)
        }

        /// Whether the cache holds `id` at `revision` (for the catalog's `known`).
        func isKnown(id: String, revision: Int64) -> Bool {
            guard let fragment = cache.fragment(id: id, revision: revision) else { return false }
            hits.withLock { $0[id] = fragment }
            return true
        }

        fileprivate func fragment(id: String) -> EC2Fragment? { hits.withLock { $0[id] } }
    }

    /// A lookup for one page.
    func pageLookup() -> PageLookup { PageLookup(cache: self) }

    private func fragment(id: String, revision: Int64) -> EC2Fragment? {
        entries.withLock { entries in entries[id].flatMap { $0.revision == revision ? $0.fragment : nil } }
    }

    /// The fragments of `page`, in order: `.known` entries from `lookup` (which answered for
    /// them), records from the cache if rendered before at the same revision, else rendered
    /// with `render` and kept. When many are to be rendered (the first
    /// listing of a large catalog) they are rendered on all processors at once, in chunks.
    func fragments(
        for page: [SnapshotPageEntry], lookup: PageLookup,
        render: @escaping @Sendable (SnapshotRecord) throws(EC2EncodingError) -> EC2Fragment
    ) async throws -> [EC2Fragment] {
        var fragments: [EC2Fragment?] = []
        fragments.reserveCapacity(page.count)
        var missing: [(position: Int, record: SnapshotRecord, revision: Int64)] = []
        // Records come back also when the caller needed them (filters): those rendered before
        // at the same revision are reused too.
        try entries.withLock { entries in
            for (position, entry) in page.enumerated() {
                switch entry {
                case .known(let id, _, _):
                    guard let fragment = lookup.fragment(id: id) else { throw LostFragment(snapshotId: id) }
                    fragments.append(fragment)
                case .record(let record, let revision):
                    if let cached = entries[record.id], cached.revision == revision {
                        fragments.append(cached.fragment)
                    } else {
                        fragments.append(nil)
                        missing.append((position, record, revision))
                    }
                }
            }
        }
        guard !missing.isEmpty else { return fragments.map { $0! } }
        let chunks = missing.count < Self.parallelThreshold ? 1 : max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunkSize = (missing.count + chunks - 1) / chunks
        let rendered = try await withThrowingTaskGroup(of: [(Int, EC2Fragment)].self) { group in
            for start in stride(from: 0, to: missing.count, by: chunkSize) {
                let chunk = missing[start..<min(start + chunkSize, missing.count)].map { ($0.position, $0.record) }
                group.addTask {
                    var out: [(Int, EC2Fragment)] = []
                    out.reserveCapacity(chunk.count)
                    for (position, record) in chunk { out.append((position, try render(record))) }
                    return out
                }
            }
            var all: [(Int, EC2Fragment)] = []
            for try await part in group { all += part }
            return all
        }
        for (position, fragment) in rendered { fragments[position] = fragment }
        entries.withLock { entries in
            if entries.count + missing.count > limit { entries.removeAll(keepingCapacity: true) }
            for item in missing {
                entries[item.record.id] = (item.revision, fragments[item.position]!)
            }
        }
        return fragments.map { $0! }
    }

    /// A `.known` entry the page lookup never answered for: a catalog that called `known` for
    /// another page, or not at all (an internal error, never the client's).
    struct LostFragment: Error {
        let snapshotId: String
    }

    /// Records to render below this many are rendered on the calling task.
    static let parallelThreshold = 128

    /// Entries kept (for tests).
    var count: Int { entries.withLock { $0.count } }
}

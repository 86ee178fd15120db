import AWSWire
import BlockSnapCore
import Foundation
import Synchronization

/// The rendered `Snapshot` XML of recently described snapshots, by id and catalog revision, so
/// that paging through DescribeSnapshots renders, and reads the record of, each snapshot once
/// rather than on every walk.
///
/// Invariant: a fragment is used only for the revision it was rendered from, and only for the
/// view it was rendered for: its owner's, or another account's (which shows no tags). The
/// catalog gives a snapshot a new revision whenever its record changes (state, progress,
/// description, tags, …), so a changed snapshot is always read and rendered afresh. At most
/// `limit` entries are kept; when full, the cache starts over.
final class SnapshotFragmentCache: Sendable {
    /// A snapshot's fragments at one revision: as its owner sees it, and as an account it is
    /// shared with sees it; either may not be rendered yet.
    struct Entry {
        let revision: Int64
        let ownerId: String
        var owners: EC2Fragment?
        var others: EC2Fragment?

        func fragment(revision: Int64, viewer: String) -> EC2Fragment? {
            guard revision == self.revision else { return nil }
            return viewer == ownerId ? owners : others
        }
    }

    private let limit: Int
    private let entries: Mutex<[String: Entry]>

    init(limit: Int = 50_000) {
        self.limit = limit
        // Room for a typical catalog's first listing without rehashing it as it grows.
        var empty: [String: Entry] = [:]
        empty.reserveCapacity(min(limit, 16_384))
        entries = Mutex(empty)
    }

    /// The fragments of one page, collected while the catalog reads it: `isKnown` answers
    /// whether the cache holds a snapshot's revision and, if so, keeps that fragment here, so
    /// that the page has it even if the cache starts over before the page is rendered.
    final class PageLookup: Sendable {
        private let cache: SnapshotFragmentCache
        private let hits: Mutex<[String: EC2Fragment]>
        /// The account the page is rendered for.
        let viewer: String

        fileprivate init(cache: SnapshotFragmentCache, viewer: String) {
            self.cache = cache
            self.viewer = viewer
            var empty: [String: EC2Fragment] = [:]
            empty.reserveCapacity(1024)  // a page holds at most 1001
            hits = Mutex(empty)
        }

        /// Whether the cache holds `id` at `revision` as the viewer sees it (for the catalog's
        /// `known`).
        func isKnown(id: String, revision: Int64) -> Bool {
            guard let fragment = cache.fragment(id: id, revision: revision, viewer: viewer) else { return false }
            hits.withLock { $0[id] = fragment }
            return true
        }

        fileprivate func fragment(id: String) -> EC2Fragment? { hits.withLock { $0[id] } }
    }

    /// A lookup for one page rendered for `viewer`.
    func pageLookup(viewer: String) -> PageLookup { PageLookup(cache: self, viewer: viewer) }

    private func fragment(id: String, revision: Int64, viewer: String) -> EC2Fragment? {
        entries.withLock { entries in entries[id]?.fragment(revision: revision, viewer: viewer) }
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
                    if let cached = entries[record.id]?.fragment(revision: revision, viewer: lookup.viewer) {
                        fragments.append(cached)
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
                let id = item.record.id
                var entry = entries[id].flatMap { $0.revision == item.revision ? $0 : nil }
                    ?? Entry(revision: item.revision, ownerId: item.record.ownerId)
                if lookup.viewer == item.record.ownerId {
                    entry.owners = fragments[item.position]
                } else {
                    entry.others = fragments[item.position]
                }
                entries[id] = entry
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

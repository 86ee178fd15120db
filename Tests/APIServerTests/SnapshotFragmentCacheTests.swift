import AWSWire
import BlockSnapCore
import Foundation
import Synchronization
import Testing

@testable import APIServer

@Suite struct SnapshotFragmentCacheTests {
    static let owner = "111122223333"
    static let other = "444455556666"

    static func record(_ id: String, progress: Int = 100, tags: [BlockSnapCore.Tag] = []) -> SnapshotRecord {
        SnapshotRecord(
            id: id, ownerId: "111122223333", status: progress == 100 ? .completed : .pending, progress: progress,
            volumeSizeGiB: 8, description: "d", parentId: nil, lineageId: id, rootNode: nil, tags: tags,
            startTime: Date(timeIntervalSince1970: 1_795_617_445), timeoutMinutes: 60,
            deadline: Date(timeIntervalSince1970: 1_795_621_045), clientToken: nil, requestFingerprint: nil)
    }

    /// Renders with the real encoder, counting renders.
    final class CountingRenderer: Sendable {
        let renders = Mutex(0)
        let encoder = EC2XMLEncoder()

        /// Does what the catalog and the front end do for one page: asks the page's lookup
        /// about each (record, revision), passes the known ones as `.known`, renders the page.
        func fragments(
            _ page: [(SnapshotRecord, Int64)], in cache: SnapshotFragmentCache, viewer: String = owner
        ) async throws -> [EC2Fragment] {
            let lookup = cache.pageLookup(viewer: viewer)
            let entries = page.map { record, revision in
                lookup.isKnown(id: record.id, revision: revision)
                    ? SnapshotPageEntry.known(id: record.id, ownerId: record.ownerId, revision: revision)
                    : .record(record, revision: revision)
            }
            return try await fragments(entries, lookup: lookup, in: cache)
        }

        func fragments(
            _ entries: [SnapshotPageEntry], lookup: SnapshotFragmentCache.PageLookup, in cache: SnapshotFragmentCache
        ) async throws -> [EC2Fragment] {
            try await cache.fragments(for: entries, lookup: lookup) { [self] record throws(EC2EncodingError) in
                renders.withLock { $0 += 1 }
                return try encoder.fragment(of: EC2FrontEnd.snapshotValue(record), shape: "Snapshot")
            }
        }

        var count: Int { renders.withLock { $0 } }
    }

    @Test func aSnapshotIsRenderedOnceUntilItsRevisionChanges() async throws {
        let cache = SnapshotFragmentCache(limit: 3)
        let renderer = CountingRenderer()
        func fragment(_ record: SnapshotRecord, _ revision: Int64) async throws -> EC2Fragment {
            try await renderer.fragments([(record, revision)], in: cache)[0]
        }
        let pending = try await fragment(Self.record("snap-1", progress: 40), 1)
        #expect(try await fragment(Self.record("snap-1", progress: 40), 1) == pending)
        #expect(renderer.count == 1)
        #expect(pending.xml.contains("<status>pending</status>") && pending.xml.contains("<progress>40%</progress>"))

        // A new revision is rendered afresh: progress and state, then tags.
        let completed = try await fragment(Self.record("snap-1"), 2)
        #expect(renderer.count == 2)
        #expect(completed.xml.contains("<status>completed</status>") && completed.xml.contains("<progress>100%</progress>"))
        let tagged = try await fragment(Self.record("snap-1", tags: [BlockSnapCore.Tag(key: "team", value: "storage")]), 3)
        #expect(renderer.count == 3)
        #expect(tagged.xml.contains("<key>team</key><value>storage</value>"))
        #expect(try await fragment(Self.record("snap-1", tags: [BlockSnapCore.Tag(key: "team", value: "storage")]), 3) == tagged)
        #expect(renderer.count == 3)

        // Full: it starts over rather than growing.
        for n in 2...4 { _ = try await fragment(Self.record("snap-\(n)"), 1) }
        #expect(cache.count <= 3)
    }

    @Test func aLargeFirstListingIsRenderedInChunksAndKeepsItsOrder() async throws {
        let cache = SnapshotFragmentCache()
        let renderer = CountingRenderer()
        let warm = (0..<50).map { (Self.record(String(format: "snap-%05d", $0)), Int64(1)) }
        _ = try await renderer.fragments(warm, in: cache)
        // 50 known, 950 at a new revision (more than the threshold): only those are rendered.
        let page = (0..<1000).map {
            (Self.record(String(format: "snap-%05d", $0), progress: $0 < 50 ? 100 : 99), Int64($0 < 50 ? 1 : 2))
        }
        let fragments = try await renderer.fragments(page, in: cache)
        #expect(renderer.count == 50 + 950)
        #expect(SnapshotFragmentCache.parallelThreshold < 950)
        for ((record, _), fragment) in zip(page, fragments) {
            #expect(fragment.xml.contains("<snapshotId>\(record.id)</snapshotId>"), "\(record.id)")
        }
        #expect(fragments.count == 1000 && cache.count == 1000)
        _ = try await renderer.fragments(page, in: cache)
        #expect(renderer.count == 1000)
    }

    @Test func aPageKeepsWhatItsLookupFoundWhenTheCacheStartsOver() async throws {
        let cache = SnapshotFragmentCache(limit: 2)
        let renderer = CountingRenderer()
        let first = try await renderer.fragments([(Self.record("snap-1"), 7)], in: cache)[0]
        let lookup = cache.pageLookup(viewer: Self.owner)
        #expect(lookup.isKnown(id: "snap-1", revision: 7))
        #expect(!lookup.isKnown(id: "snap-1", revision: 8), "another revision is not known")
        // Another page fills the cache, which starts over and forgets snap-1.
        _ = try await renderer.fragments([(Self.record("snap-2"), 1), (Self.record("snap-3"), 1)], in: cache)
        #expect(!cache.pageLookup(viewer: Self.owner).isKnown(id: "snap-1", revision: 7))
        let fragments = try await renderer.fragments(
            [.known(id: "snap-1", ownerId: "111122223333", revision: 7)], lookup: lookup, in: cache)
        #expect(fragments == [first])
    }

    @Test func aKnownEntryTheLookupNeverAnsweredIsAnError() async throws {
        let cache = SnapshotFragmentCache()
        let renderer = CountingRenderer()
        _ = try await renderer.fragments([(Self.record("snap-1"), 1)], in: cache)
        await #expect(throws: SnapshotFragmentCache.LostFragment.self) {
            _ = try await renderer.fragments(
                [.known(id: "snap-1", ownerId: "111122223333", revision: 1)], lookup: cache.pageLookup(viewer: Self.owner), in: cache)
        }
    }

    @Test func theOwnersViewAndAnotherAccountsViewAreKeptApart() async throws {
        let cache = SnapshotFragmentCache()
        let renderer = CountingRenderer()
        let tagged = Self.record("snap-1", tags: [BlockSnapCore.Tag(key: "secret", value: "owner-only")])
        var untagged = tagged
        untagged.tags = []  // as the service hands another account's view to be rendered
        let owners = try await renderer.fragments([(tagged, 5)], in: cache)[0]
        #expect(owners.xml.contains("<key>secret</key>"))
        #expect(!cache.pageLookup(viewer: Self.other).isKnown(id: "snap-1", revision: 5), "the owner's view is not another's")
        let others = try await renderer.fragments([(untagged, 5)], in: cache, viewer: Self.other)[0]
        #expect(!others.xml.contains("secret"))
        #expect(renderer.count == 2)
        // Both views are now kept, each for its own viewers.
        #expect(try await renderer.fragments([(tagged, 5)], in: cache) == [owners])
        #expect(try await renderer.fragments([(untagged, 5)], in: cache, viewer: Self.other) == [others])
        #expect(renderer.count == 2)
        #expect(cache.count == 1)
    }
}

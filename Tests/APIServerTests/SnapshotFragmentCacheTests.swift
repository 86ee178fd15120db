import AWSWire
import BlockSnapCore
import Foundation
import Synchronization
import Testing

@testable import APIServer

@Suite struct SnapshotFragmentCacheTests {
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

        func fragments(_ records: [SnapshotRecord], in cache: SnapshotFragmentCache) async throws -> [EC2Fragment] {
            try await cache.fragments(for: records) { [self] record throws(EC2EncodingError) in
                renders.withLock { $0 += 1 }
                return try encoder.fragment(of: EC2FrontEnd.snapshotValue(record), shape: "Snapshot")
            }
        }

        var count: Int { renders.withLock { $0 } }
    }

    @Test func aSnapshotIsRenderedOnceUntilItChanges() async throws {
        let cache = SnapshotFragmentCache(limit: 3)
        let renderer = CountingRenderer()
        func fragment(_ record: SnapshotRecord) async throws -> EC2Fragment {
            try await renderer.fragments([record], in: cache)[0]
        }
        let pending = try await fragment(Self.record("snap-1", progress: 40))
        #expect(try await fragment(Self.record("snap-1", progress: 40)) == pending)
        #expect(renderer.count == 1)
        #expect(pending.xml.contains("<status>pending</status>") && pending.xml.contains("<progress>40%</progress>"))

        // Any change to the record renders it afresh: progress and state, then tags.
        let completed = try await fragment(Self.record("snap-1"))
        #expect(renderer.count == 2)
        #expect(completed.xml.contains("<status>completed</status>") && completed.xml.contains("<progress>100%</progress>"))
        let tagged = try await fragment(Self.record("snap-1", tags: [BlockSnapCore.Tag(key: "team", value: "storage")]))
        #expect(renderer.count == 3)
        #expect(tagged.xml.contains("<key>team</key><value>storage</value>"))

        // Full: it starts over rather than growing.
        for n in 2...4 { _ = try await fragment(Self.record("snap-\(n)")) }
        #expect(cache.count <= 3)
    }

    @Test func aLargeFirstListingIsRenderedInChunksAndKeepsItsOrder() async throws {
        let cache = SnapshotFragmentCache()
        let renderer = CountingRenderer()
        let warm = (0..<50).map { Self.record(String(format: "snap-%05d", $0)) }
        _ = try await renderer.fragments(warm, in: cache)
        // 50 cached, 950 missing (more than the threshold): only those are rendered.
        let page = (0..<1000).map { Self.record(String(format: "snap-%05d", $0), progress: $0 < 50 ? 100 : 99) }
        let fragments = try await renderer.fragments(page, in: cache)
        #expect(renderer.count == 50 + 950)
        #expect(SnapshotFragmentCache.parallelThreshold < 950)
        for (record, fragment) in zip(page, fragments) {
            #expect(fragment.xml.contains("<snapshotId>\(record.id)</snapshotId>"), "\(record.id)")
        }
        #expect(fragments.count == 1000 && cache.count == 1000)
        _ = try await renderer.fragments(page, in: cache)
        #expect(renderer.count == 1000)
    }
}

import BlockSnapCore
import BlockSnapTesting
import Foundation
import GRDB
import Testing

@testable import CatalogSQLite

@Suite("SQLiteCatalog snapshotsPage with 10 000 snapshots (printed, not asserted)")
struct SnapshotsPagePerformanceTests {
    @Test("walk 10 000 owned and 500 shared snapshots in pages of 1000")
    func pageTime() async throws {
        let directory = try TemporaryDirectory(prefix: "catalog-pages")
        defer { directory.remove() }
        let catalog = try SQLiteCatalog(path: directory.appending("catalog.sqlite"))
        let owner = CatalogFixtures.account(1)
        let neighbour = CatalogFixtures.account(2)
        try await catalog.createAccount(owner, key: CatalogFixtures.key(1, for: owner))
        try await catalog.createAccount(neighbour, key: CatalogFixtures.key(2, for: neighbour))

        // 10 000 of the owner's, 2 000 of the neighbour's (every fourth shared with the owner),
        // each with two tags, inserted in batches of one transaction each.
        let records = (1...12_000).map { n in
            var snapshot = CatalogFixtures.fullSnapshot(n, owner: n % 6 == 0 ? neighbour : owner)
            snapshot.id = CatalogFixtures.snapshotId(n * 7919 % 1_000_003)  // ids not in insertion order
            snapshot.clientToken = nil
            snapshot.tags = [Tag(key: "Name", value: "snapshot \(n)"), Tag(key: "n", value: "\(n)")]
            if n % 24 == 0 { snapshot.createVolumePermissions = [owner.id] }
            return snapshot
        }
        let insertStart = ContinuousClock.now
        for batch in stride(from: 0, to: records.count, by: 2_000) {
            let slice = Array(records[batch..<min(batch + 2_000, records.count)])
            try await catalog.pool.write { db in
                for snapshot in slice { try SQLiteCatalog.insert(db, snapshot) }
            }
        }
        let insertTime = ContinuousClock.now - insertStart

        var pages: [Duration] = []
        var seen = 0
        var after: String?
        while true {
            let start = ContinuousClock.now
            let page = try await catalog.snapshotsPage(visibleTo: owner.id, after: after, limit: 1000)
            pages.append(ContinuousClock.now - start)
            seen += page.count
            #expect(page.allSatisfy { $0.tags.count == 2 })
            guard page.count == 1000, let last = page.last else { break }
            after = last.id
        }
        #expect(seen == 10_500)
        let milliseconds = pages.map { Double($0.components.attoseconds) / 1e15 + Double($0.components.seconds) * 1e3 }
        let sorted = milliseconds.sorted()
        print(
            "SQLiteCatalog.snapshotsPage(limit: 1000) over 12 000 snapshots (10 500 visible): "
                + "\(pages.count) pages, median \(format(sorted[sorted.count / 2])) ms, "
                + "max \(format(sorted.last ?? 0)) ms, each \(milliseconds.map(format)); "
                + "inserting 12 000 in batches of 2 000 took \(insertTime)")
    }

    private func format(_ milliseconds: Double) -> String { String(format: "%.1f", milliseconds) }
}

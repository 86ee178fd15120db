import BlockSnapCore
import BlockSnapTesting
import Foundation
import GRDB
import Testing

@testable import CatalogSQLite

@Suite("SQLiteCatalog recordBlock throughput (printed, not asserted)")
struct SQLiteCatalogThroughputTests {
    @Test("recordBlock with 8 concurrent callers, 1 caller, and without group commit")
    func recordBlockRate() async throws {
        let directory = try TemporaryDirectory(prefix: "catalog-throughput")
        defer { directory.remove() }
        let catalog = try SQLiteCatalog(path: directory.appending("catalog.sqlite"))
        let owner = CatalogFixtures.account(1)
        try await catalog.createAccount(owner, key: CatalogFixtures.key(1, for: owner))
        for n in 1...3 {
            _ = try await catalog.insertSnapshot(CatalogFixtures.pendingSnapshot(n, owner: owner))
        }

        let grouped = try await rate(callers: 8, perCaller: 250) { index in
            try await catalog.recordBlock(
                snapshotId: CatalogFixtures.snapshotId(1),
                block: WrittenBlock(index: index, ref: .data(CatalogFixtures.hash(Int(index)))),
                progress: nil, deadline: CatalogFixtures.time(index))
        }
        let single = try await rate(callers: 1, perCaller: 200) { index in
            try await catalog.recordBlock(
                snapshotId: CatalogFixtures.snapshotId(2), block: WrittenBlock(index: index, ref: .zero),
                progress: nil, deadline: CatalogFixtures.time(index))
        }
        // The same statements, one transaction (and one WAL fsync) per call.
        let ungrouped = try await rate(callers: 8, perCaller: 60) { index in
            try await catalog.pool.write { db in
                try db.execute(
                    sql: "UPDATE snapshots SET deadline = ? WHERE id = ? AND status = 'pending'",
                    arguments: [index, CatalogFixtures.snapshotId(3)])
                try db.execute(
                    sql: "INSERT OR REPLACE INTO written_blocks (snapshot_id, block_index, kind) VALUES (?, ?, 0)",
                    arguments: [CatalogFixtures.snapshotId(3), index])
                return true
            }
        }
        let syncs = FsyncProbe.syncsPerSecond(in: directory.path).map { "\(Int($0))" } ?? "?"
        print(
            "SQLiteCatalog.recordBlock (synchronous=FULL, WAL): 8 callers \(Int(grouped))/s; "
                + "1 caller \(Int(single))/s; 8 callers without group commit \(Int(ungrouped))/s "
                + "(this disk: \(syncs) fsyncs/s)")
        #expect(try await catalog.writtenBlockCount(snapshotId: CatalogFixtures.snapshotId(1)) == 2000)
    }

    /// Calls `body` with distinct indexes from `callers` concurrent tasks; returns calls/s.
    private func rate(
        callers: Int, perCaller: Int, _ body: @escaping @Sendable (Int64) async throws -> Bool
    ) async throws -> Double {
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for caller in 0..<callers {
                group.addTask {
                    for step in 0..<perCaller {
                        let accepted = try await body(Int64(step * callers + caller))
                        #expect(accepted)
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(callers * perCaller) / seconds
    }
}

import BlockSnapCore
import Foundation
import Testing

extension CatalogConformance {
    /// recordBlock: the last write to an index wins, progress changes only when given, the
    /// deadline always moves; lists are by index and per snapshot; unknown snapshots refuse.
    static func recordBlock(_ catalog: any Catalog) async throws {
        let (owner, _) = try await owners(catalog)
        let snapshot = CatalogFixtures.pendingSnapshot(60, owner: owner, volumeSizeGiB: 65_536)
        let neighbour = CatalogFixtures.pendingSnapshot(61, owner: owner)
        _ = try await catalog.insertSnapshot(snapshot)
        _ = try await catalog.insertSnapshot(neighbour)
        let lastIndex = snapshot.blockCount - 1

        func record(_ index: Int64, _ ref: BlockRef, _ progress: Int?, _ deadline: Int64) async throws -> Bool {
            try await catalog.recordBlock(
                snapshotId: snapshot.id, block: WrittenBlock(index: index, ref: ref), progress: progress,
                deadline: CatalogFixtures.time(deadline))
        }
        #expect(try await record(5, .data(CatalogFixtures.hash(1)), nil, 10_000))
        var read = try #require(try await catalog.snapshot(id: snapshot.id))
        #expect(read.progress == 0 && read.deadline == CatalogFixtures.time(10_000), "deadline moves")
        #expect(try await record(1, .zero, 40, 20_000))
        #expect(try await record(5, .data(CatalogFixtures.hash(2)), nil, 30_000))
        #expect(try await record(lastIndex, .data(CatalogFixtures.hash(3)), nil, 40_000))
        read = try #require(try await catalog.snapshot(id: snapshot.id))
        #expect(read.progress == 40, "progress stays when not given")
        #expect(read.deadline == CatalogFixtures.time(40_000))
        #expect(read.status == .pending && read.tags == snapshot.tags && read.rootNode == snapshot.rootNode)

        let neighbourBlock = WrittenBlock(index: 5, ref: .data(CatalogFixtures.hash(9)))
        #expect(
            try await catalog.recordBlock(
                snapshotId: neighbour.id, block: neighbourBlock, progress: 100, deadline: CatalogFixtures.time(1)))

        let expected = [
            WrittenBlock(index: 1, ref: .zero), WrittenBlock(index: 5, ref: .data(CatalogFixtures.hash(2))),
            WrittenBlock(index: lastIndex, ref: .data(CatalogFixtures.hash(3))),
        ]
        #expect(try await catalog.writtenBlocks(snapshotId: snapshot.id) == expected, "by index, last write wins")
        #expect(try await catalog.writtenBlockCount(snapshotId: snapshot.id) == 3)
        #expect(try await catalog.writtenBlocks(snapshotId: neighbour.id) == [neighbourBlock])
        #expect(try await catalog.snapshot(id: neighbour.id)?.progress == 100)

        let unknown = CatalogFixtures.snapshotId(999)
        #expect(
            try await catalog.recordBlock(
                snapshotId: unknown, block: WrittenBlock(index: 0, ref: .zero), progress: nil,
                deadline: CatalogFixtures.time(0)) == false, "an unknown snapshot refuses blocks")
        #expect(try await catalog.writtenBlocks(snapshotId: unknown) == [])
        #expect(try await catalog.writtenBlockCount(snapshotId: unknown) == 0)
    }

    /// Eight concurrent writers, each its own indexes: every block is recorded once.
    static func recordBlockConcurrently(_ catalog: any Catalog) async throws {
        let (owner, _) = try await owners(catalog)
        let snapshot = CatalogFixtures.pendingSnapshot(62, owner: owner)
        _ = try await catalog.insertSnapshot(snapshot)
        let writers = 8
        let perWriter = 25
        let accepted = try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var accepted = 0
                    for step in 0..<perWriter {
                        let index = Int64(step * writers + writer)
                        let block = WrittenBlock(index: index, ref: .data(CatalogFixtures.hash(Int(index))))
                        if try await catalog.recordBlock(
                            snapshotId: snapshot.id, block: block, progress: nil, deadline: CatalogFixtures.time(index))
                        {
                            accepted += 1
                        }
                    }
                    return accepted
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(accepted == writers * perWriter, "every concurrent recordBlock must be accepted")
        #expect(try await catalog.writtenBlockCount(snapshotId: snapshot.id) == writers * perWriter)
        let indexes = try await catalog.writtenBlocks(snapshotId: snapshot.id).map(\.index)
        #expect(indexes == (0..<Int64(writers * perWriter)).map { $0 })
    }

    /// A snapshot that is completed or errored refuses blocks and keeps its state.
    static func recordBlockNeedsPending(_ catalog: any Catalog) async throws {
        let (owner, _) = try await owners(catalog)
        let completed = CatalogFixtures.pendingSnapshot(63, owner: owner)
        let failed = CatalogFixtures.pendingSnapshot(64, owner: owner)
        _ = try await catalog.insertSnapshot(completed)
        _ = try await catalog.insertSnapshot(failed)
        _ = try await catalog.completeSnapshot(
            id: completed.id, rootNode: nil, nodes: [], changedBlocksCount: 0, completionTime: CatalogFixtures.time(7))
        _ = try await catalog.failSnapshot(id: failed.id, message: "failed")
        for id in [completed.id, failed.id] {
            let before = try await catalog.snapshot(id: id)
            let accepted = try await catalog.recordBlock(
                snapshotId: id, block: WrittenBlock(index: 3, ref: .zero), progress: 50,
                deadline: CatalogFixtures.time(99_999))
            #expect(accepted == false, "a snapshot that is not pending refuses blocks")
            #expect(try await catalog.snapshot(id: id) == before, "a refused recordBlock changes nothing")
            #expect(try await catalog.writtenBlockCount(snapshotId: id) == 0)
        }
    }

    /// Completion stores the nodes, sets root, status, progress 100, count and time, and
    /// forgets the written blocks, all visible at once; a second completion changes nothing.
    static func completeSnapshot(_ catalog: any Catalog) async throws {
        let (owner, _) = try await owners(catalog)
        let snapshot = CatalogFixtures.fullSnapshot(70, owner: owner)
        _ = try await catalog.insertSnapshot(snapshot)
        for index in [Int64(7), 2, 9] {
            _ = try await catalog.recordBlock(
                snapshotId: snapshot.id, block: WrittenBlock(index: index, ref: .zero), progress: nil,
                deadline: snapshot.deadline)
        }
        let root = MapNodeRecord(hash: CatalogFixtures.hash(100), body: [1, 2, 3])
        let leaf = MapNodeRecord(hash: CatalogFixtures.hash(101), body: Array(repeating: 0xAB, count: 4096))
        #expect(
            try await catalog.completeSnapshot(
                id: snapshot.id, rootNode: root.hash, nodes: [root, leaf], changedBlocksCount: 3,
                completionTime: CatalogFixtures.time(8_000)))

        var expected = snapshot
        expected.status = .completed
        expected.progress = 100
        expected.rootNode = root.hash
        expected.changedBlocksCount = 3
        expected.completionTime = CatalogFixtures.time(8_000)
        #expect(try await catalog.snapshot(id: snapshot.id) == expected, "completion sets exactly its fields")
        #expect(try await catalog.writtenBlocks(snapshotId: snapshot.id) == [], "completion forgets written blocks")
        #expect(try await catalog.writtenBlockCount(snapshotId: snapshot.id) == 0)
        #expect(try await catalog.mapNode(root.hash) == root.body)
        #expect(try await catalog.mapNode(leaf.hash) == leaf.body)

        let late = MapNodeRecord(hash: CatalogFixtures.hash(102), body: [9])
        #expect(
            try await catalog.completeSnapshot(
                id: snapshot.id, rootNode: late.hash, nodes: [late], changedBlocksCount: 1,
                completionTime: CatalogFixtures.time(9_000)) == false, "a snapshot completes only once")
        #expect(try await catalog.snapshot(id: snapshot.id) == expected, "a refused completion changes nothing")
        #expect(try await catalog.mapNode(late.hash) == nil, "a refused completion stores no nodes")
        #expect(
            try await catalog.completeSnapshot(
                id: CatalogFixtures.snapshotId(999), rootNode: nil, nodes: [], changedBlocksCount: 0,
                completionTime: CatalogFixtures.time(0)) == false)

        var empty = CatalogFixtures.pendingSnapshot(71, owner: owner)
        empty.rootNode = CatalogFixtures.hash(5)
        _ = try await catalog.insertSnapshot(empty)
        #expect(
            try await catalog.completeSnapshot(
                id: empty.id, rootNode: nil, nodes: [], changedBlocksCount: 0, completionTime: CatalogFixtures.time(1)))
        #expect(try await catalog.snapshot(id: empty.id)?.rootNode == nil, "a nil root (empty map) is stored as nil")
    }

    /// Of eight concurrent completions exactly one wins, and only its nodes are stored.
    static func completeSnapshotOnlyOnce(_ catalog: any Catalog) async throws {
        let (owner, _) = try await owners(catalog)
        let snapshot = CatalogFixtures.pendingSnapshot(72, owner: owner)
        _ = try await catalog.insertSnapshot(snapshot)
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for attempt in 0..<8 {
                group.addTask {
                    let node = MapNodeRecord(hash: CatalogFixtures.hash(200 + attempt), body: [UInt8(attempt)])
                    let won = try await catalog.completeSnapshot(
                        id: snapshot.id, rootNode: node.hash, nodes: [node], changedBlocksCount: attempt,
                        completionTime: CatalogFixtures.time(Int64(attempt)))
                    return (attempt, won)
                }
            }
            return try await group.reduce(into: [(Int, Bool)]()) { $0.append($1) }
        }
        let winners = outcomes.filter(\.1).map(\.0)
        #expect(winners.count == 1, "exactly one concurrent completion must win")
        guard let winner = winners.first else { return }
        let stored = try await catalog.snapshot(id: snapshot.id)
        #expect(stored?.rootNode == CatalogFixtures.hash(200 + winner) && stored?.changedBlocksCount == winner)
        for attempt in 0..<8 {
            let body = try await catalog.mapNode(CatalogFixtures.hash(200 + attempt))
            #expect(body == (attempt == winner ? [UInt8(attempt)] : nil), "only the winner's nodes are stored")
        }
    }

    /// Map nodes are content-addressed and immutable: storing a hash again keeps the first body.
    static func mapNodesAreImmutable(_ catalog: any Catalog) async throws {
        let (owner, _) = try await owners(catalog)
        let first = CatalogFixtures.pendingSnapshot(80, owner: owner)
        let second = CatalogFixtures.pendingSnapshot(81, owner: owner)
        _ = try await catalog.insertSnapshot(first)
        _ = try await catalog.insertSnapshot(second)
        let node = MapNodeRecord(hash: CatalogFixtures.hash(300), body: [1, 1, 1])
        let shared = MapNodeRecord(hash: CatalogFixtures.hash(301), body: [])
        #expect(try await catalog.mapNode(node.hash) == nil)
        _ = try await catalog.completeSnapshot(
            id: first.id, rootNode: node.hash, nodes: [node, shared], changedBlocksCount: 0,
            completionTime: CatalogFixtures.time(1))
        let rewritten = MapNodeRecord(hash: node.hash, body: [2, 2, 2])
        #expect(
            try await catalog.completeSnapshot(
                id: second.id, rootNode: node.hash, nodes: [rewritten, shared], changedBlocksCount: 0,
                completionTime: CatalogFixtures.time(2)), "storing an existing node is not an error")
        #expect(try await catalog.mapNode(node.hash) == node.body, "a stored node never changes")
        #expect(try await catalog.mapNode(shared.hash) == [], "an empty node body reads back as []")
    }
}

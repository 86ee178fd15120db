import BlockSnapCore
import Testing

@testable import BlockEngine

@Suite struct GarbageCollectorTests {
    static func block(_ seed: UInt8) -> [UInt8] {
        (0..<BlockGeometry.blockSize).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed) &* 7919) ^ seed }
    }

    @Test func deletingASnapshotFreesOnlyWhatNothingElseNeeds() async throws {
        let storage = try TestStorage()
        let writer = BlockStore(objects: storage.objects)
        let map = storage.blockMap()
        var refs: [BlockRef] = []
        for seed: UInt8 in 1...3 {
            let data = Self.block(seed)
            refs.append(try await writer.store(data, hash: BlockCodec.hash(data)))
        }
        // Parent holds blocks 1 and 2; the child replaces block index 1 with content 3.
        let parent = try await map.apply([WrittenBlock(index: 0, ref: refs[0]), WrittenBlock(index: 1, ref: refs[1])], to: nil)
        let parentId = try await storage.persist(parent)
        let child = try await map.apply([WrittenBlock(index: 1, ref: refs[2])], to: parent.root)
        try await storage.persist(child)

        // A fresh process: nothing is "recently stored".
        let nodes = BlockMapNodes(catalog: storage.catalog)
        let collector = GarbageCollector(catalog: storage.catalog, blocks: BlockStore(objects: storage.objects), nodes: nodes)
        let untouched = try await collector.collect()
        #expect(untouched.deletedBlocks == 0 && untouched.deletedNodes == 0)

        #expect(try await storage.catalog.deleteSnapshot(id: parentId))
        let report = try await collector.collect()
        #expect(report.deletedBlocks == 1)
        #expect(report.deletedNodes == BlockMapLayout.depth)
        let keys = try await storage.objects.list(prefix: "blocks/")
        #expect(keys.count == 2)
        #expect(!keys.contains(BlockStore.key(for: BlockCodec.hash(Self.block(2)))))
        // The child still reads whole.
        let reader = BlockStore(objects: storage.objects)
        for entry in try await BlockMap(nodes: nodes).entries(child.root, from: 0, limit: 10) {
            _ = try await reader.load(entry.ref)
        }
    }

    @Test func recentlyStoredBlocksSurviveAlthoughNothingRefersToThemYet() async throws {
        let storage = try TestStorage()
        let writer = BlockStore(objects: storage.objects)
        let data = Self.block(9)
        _ = try await writer.store(data, hash: BlockCodec.hash(data))
        let collector = GarbageCollector(catalog: storage.catalog, blocks: writer, nodes: BlockMapNodes(catalog: storage.catalog))
        #expect(try await collector.collect().deletedBlocks == 0)
        let fresh = GarbageCollector(
            catalog: storage.catalog, blocks: BlockStore(objects: storage.objects), nodes: BlockMapNodes(catalog: storage.catalog))
        #expect(try await fresh.collect().deletedBlocks == 1)
    }
}

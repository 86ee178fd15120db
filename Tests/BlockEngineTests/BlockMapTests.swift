import BlockSnapCore
import Testing

@testable import BlockEngine

@Suite struct BlockMapTests {
    static func ref(_ n: Int) -> BlockRef {
        var bytes = [UInt8](repeating: 0, count: 32)
        withUnsafeBytes(of: Int64(n).littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
        return .data(BlockHash(bytes: bytes)!)
    }

    static func writes(_ pairs: [(Int64, BlockRef)]) -> [WrittenBlock] {
        pairs.sorted { $0.0 < $1.0 }.map { WrittenBlock(index: $0.0, ref: $0.1) }
    }

    @Test func applyThenReadBack() async throws {
        let storage = try TestStorage()
        let map = storage.blockMap()
        let derived = try await map.apply(Self.writes([(0, Self.ref(1)), (5, .zero), (300, Self.ref(3))]), to: nil)
        try await storage.persist(derived)
        #expect(try await map.lookup(derived.root, index: 0) == Self.ref(1))
        #expect(try await map.lookup(derived.root, index: 5) == .zero)
        #expect(try await map.lookup(derived.root, index: 300) == Self.ref(3))
        #expect(try await map.lookup(derived.root, index: 1) == nil)
        let all = try await map.entries(derived.root, from: 0, limit: 10)
        #expect(all.map(\.index) == [0, 5, 300])
        #expect(try await map.entries(derived.root, from: 6, limit: 10).map(\.index) == [300])
        #expect(try await map.entries(derived.root, from: 0, limit: 2).map(\.index) == [0, 5])
    }

    @Test func emptyMapHasNoEntries() async throws {
        let map = try TestStorage().blockMap()
        #expect(try await map.entries(nil, from: 0, limit: 100).isEmpty)
        #expect(try await map.lookup(nil, index: 0) == nil)
        #expect(try await map.differences(nil, nil, from: 0, limit: 100).isEmpty)
        let derived = try await map.apply([], to: nil)
        #expect(derived.root == nil && derived.newNodes.isEmpty)
    }

    @Test func childSharesUnchangedSubtreesWithItsParent() async throws {
        let storage = try TestStorage()
        let map = storage.blockMap()
        let parentWrites = (0..<4096).map { (Int64($0), Self.ref($0)) }
        let parent = try await map.apply(Self.writes(parentWrites), to: nil)
        try await storage.persist(parent)
        let child = try await map.apply(Self.writes([(1000, Self.ref(99_999))]), to: parent.root)
        try await storage.persist(child)
        // One new node per level on the path to block 1000, nothing else.
        #expect(child.newNodes.count == BlockMapLayout.depth)
        #expect(try await map.lookup(child.root, index: 1000) == Self.ref(99_999))
        #expect(try await map.lookup(child.root, index: 1001) == Self.ref(1001))
        #expect(try await map.lookup(parent.root, index: 1000) == Self.ref(1000))
        let diff = try await map.differences(parent.root, child.root, from: 0, limit: 100)
        #expect(diff == [BlockDifference(index: 1000, first: Self.ref(1000), second: Self.ref(99_999))])
    }

    @Test func zeroWriteHidesTheParentsBlockAndShowsAsADifference() async throws {
        let storage = try TestStorage()
        let map = storage.blockMap()
        let parent = try await map.apply(Self.writes([(7, Self.ref(7))]), to: nil)
        try await storage.persist(parent)
        let child = try await map.apply(Self.writes([(7, .zero), (8, .zero)]), to: parent.root)
        try await storage.persist(child)
        #expect(try await map.lookup(child.root, index: 7) == .zero)
        let diff = try await map.differences(parent.root, child.root, from: 0, limit: 100)
        #expect(diff == [
            BlockDifference(index: 7, first: Self.ref(7), second: .zero),
            BlockDifference(index: 8, first: nil, second: .zero),
        ])
    }

    @Test func rewritingIdenticalContentYieldsTheSameMap() async throws {
        let storage = try TestStorage()
        let map = storage.blockMap()
        let parent = try await map.apply(Self.writes([(1, Self.ref(1)), (2, Self.ref(2))]), to: nil)
        try await storage.persist(parent)
        let child = try await map.apply(Self.writes([(2, Self.ref(2))]), to: parent.root)
        #expect(child.root == parent.root)
        #expect(try await map.differences(parent.root, child.root, from: 0, limit: 100).isEmpty)
    }

    @Test func largestVolumeWithTenBlocksIsCheap() async throws {
        let storage = try TestStorage()
        let map = storage.blockMap()
        let last = BlockGeometry.blockCount(volumeSizeGiB: BlockGeometry.maxVolumeSizeGiB) - 1
        let indexes: [Int64] = (0..<10).map { last / 9 * Int64($0) }.map { min($0, last) }
        let parent = try await map.apply(Self.writes(indexes.map { ($0, Self.ref(Int($0 % 1000))) }), to: nil)
        try await storage.persist(parent)
        // At most one node per level per written block.
        #expect(parent.newNodes.count <= 10 * BlockMapLayout.depth)
        #expect(try await map.entries(parent.root, from: 0, limit: 10_000).map(\.index) == indexes)
        let child = try await map.apply(Self.writes([(last, Self.ref(123_456))]), to: parent.root)
        try await storage.persist(child)
        #expect(child.newNodes.count == BlockMapLayout.depth)
        let diff = try await map.differences(parent.root, child.root, from: 0, limit: 10_000)
        #expect(diff.map(\.index) == [last])
    }

    @Test func indexesBeyondTheLayoutAreRefused() async throws {
        let map = try TestStorage().blockMap()
        await #expect(throws: BlockMapError.self) {
            try await map.apply([WrittenBlock(index: BlockMapLayout.capacity, ref: .zero)], to: nil)
        }
    }

    /// Random histories checked against a dictionary model: lookups, listings and diffs agree.
    @Test(arguments: [1, 2, 3])
    func randomHistoriesMatchAModel(seed: UInt64) async throws {
        let storage = try TestStorage()
        let map = storage.blockMap()
        var generator = SplitMix(state: seed)
        var model: [Int64: BlockRef] = [:]
        var roots: [(BlockHash?, [Int64: BlockRef])] = [(nil, [:])]
        var root: BlockHash?
        for _ in 0..<6 {
            var batch: [Int64: BlockRef] = [:]
            for _ in 0..<Int(generator.next() % 200) {
                let index = Int64(generator.next() % (generator.next() % 2 == 0 ? 500 : 2_000_000))
                batch[index] = generator.next() % 5 == 0 ? .zero : Self.ref(Int(generator.next() % 50))
            }
            let derived = try await map.apply(Self.writes(batch.map { ($0.key, $0.value) }), to: root)
            try await storage.persist(derived)
            model.merge(batch) { $1 }
            root = derived.root
            roots.append((root, model))
        }
        let listed = try await map.entries(root, from: 0, limit: 100_000)
        #expect(listed.map(\.index) == model.keys.sorted())
        #expect(listed.allSatisfy { model[$0.index] == $0.ref })
        for (older, olderModel) in roots {
            let diff = try await map.differences(older, root, from: 0, limit: 100_000)
            let expected = Set(model.keys).union(olderModel.keys).filter { model[$0] != olderModel[$0] }.sorted()
            #expect(diff.map(\.index) == expected)
            #expect(diff.allSatisfy { $0.first == olderModel[$0.index] && $0.second == model[$0.index] })
            let from = Int64(generator.next() % 1000)
            let page = try await map.differences(older, root, from: from, limit: 3)
            #expect(page.map(\.index) == Array(expected.filter { $0 >= from }.prefix(3)))
        }
    }
}

struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

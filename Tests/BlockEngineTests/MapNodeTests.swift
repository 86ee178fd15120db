import BlockSnapCore
import Testing

@testable import BlockEngine

@Suite struct MapNodeTests {
    static func hash(_ n: UInt8) -> BlockHash { BlockHash(bytes: [UInt8](repeating: n, count: 32))! }

    @Test func leafRoundTrips() throws {
        let node = MapNode(level: 0, entries: [(0, .zero), (5, .block(Self.hash(1))), (127, .block(Self.hash(2)))])
        let body = node.encode()
        #expect(Array(body.prefix(4)) == Array("BSN1".utf8))
        #expect(try MapNode.decode(body) == node)
        #expect(node.record().hash == BlockCodec.hash(body))
    }

    @Test func interiorRoundTrips() throws {
        let node = MapNode(level: 3, entries: [(1, .child(Self.hash(3))), (2, .child(Self.hash(4)))])
        #expect(try MapNode.decode(node.encode()) == node)
    }

    @Test func malformedNodesAreRefused() {
        let good = MapNode(level: 0, entries: [(1, .block(Self.hash(1))), (2, .zero)]).encode()
        var badMagic = good
        badMagic[0] = 0
        var badVersion = good
        badVersion[4] = 9
        var outOfOrder = MapNode(level: 0, entries: [(2, .zero), (1, .zero)]).encode()
        outOfOrder[4] = 1
        let childInLeaf = MapNode(level: 0, entries: [(1, .child(Self.hash(1)))]).encode()
        let blockInInterior = MapNode(level: 1, entries: [(1, .block(Self.hash(1)))]).encode()
        for body in [badMagic, badVersion, outOfOrder, childInLeaf, blockInInterior, Array(good.dropLast()), good + [0]] {
            #expect(throws: BlockMapError.self) { try MapNode.decode(body) }
        }
    }

    @Test func layoutCoversTheLargestVolume() {
        #expect(BlockMapLayout.capacity >= BlockGeometry.blockCount(volumeSizeGiB: BlockGeometry.maxVolumeSizeGiB))
    }
}

import BlockSnapCore
import Foundation

/// Frees block objects and map nodes that no snapshot, volume or pending upload refers to,
/// then lets a store that keeps dead space (`SpaceReclaimingObjectStore`) give it back.
///
/// Mark and sweep, conservative: the object listing is taken before marking, so an object
/// written during the run is never swept; blocks stored by this process within `grace` are
/// kept even if the catalog does not yet refer to them (a PutSnapshotBlock between its object
/// write and its catalog row); pending snapshots' written blocks are roots.
public struct GarbageCollector: Sendable {
    let catalog: any ReferenceCatalog
    let blocks: BlockStore
    let nodes: BlockMapNodes

    /// What one run found and freed.
    public struct Report: Sendable, Equatable {
        public var liveBlocks: Int
        public var deletedBlocks: Int
        public var liveNodes: Int
        public var deletedNodes: Int
    }

    /// Creates a collector.
    public init(catalog: any ReferenceCatalog, blocks: BlockStore, nodes: BlockMapNodes) {
        self.catalog = catalog
        self.blocks = blocks
        self.nodes = nodes
    }

    /// One full mark-and-sweep pass.
    public func collect() async throws -> Report {
        let storedBlocks = try await blocks.objects.list(prefix: "blocks/")
        let storedNodes = try await catalog.mapNodeHashes()
        var liveNodes = Set<BlockHash>()
        var liveBlocks = Set(try await catalog.pendingBlockHashes())
        var stack = try await catalog.liveMapRoots()
        while let hash = stack.popLast() {
            guard liveNodes.insert(hash).inserted else { continue }
            for (_, entry) in try await nodes.node(hash).entries {
                switch entry {
                case .zero: break
                case .block(let block): liveBlocks.insert(block)
                case .child(let child): stack.append(child)
                }
            }
        }
        let recent = await blocks.recentlyStored()
        var deletedBlocks = 0
        for key in storedBlocks {
            guard let hash = BlockHash(hex: String(key.split(separator: "/").last ?? "")) else { continue }
            if liveBlocks.contains(hash) || recent.contains(hash) { continue }
            try await blocks.objects.delete(key)
            deletedBlocks += 1
        }
        let recentNodes = nodes.recent.current()
        let deadNodes = storedNodes.filter { !liveNodes.contains($0) && !recentNodes.contains($0) }
        try await catalog.deleteMapNodes(deadNodes)
        if let reclaiming = blocks.objects as? any SpaceReclaimingObjectStore { try await reclaiming.reclaimSpace() }
        return Report(
            liveBlocks: liveBlocks.count, deletedBlocks: deletedBlocks, liveNodes: liveNodes.count,
            deletedNodes: deadNodes.count)
    }
}

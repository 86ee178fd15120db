import BlockSnapCore

/// Loads block-map nodes from the catalog and keeps recently used ones decoded in memory.
/// Nodes are immutable and content-addressed, so the cache never needs invalidation.
public actor BlockMapNodes {
    private let catalog: any Catalog
    private var cache: [BlockHash: MapNode] = [:]
    private var order: [BlockHash] = []
    private let capacity: Int
    /// Nodes built lately (protected from garbage collection until their snapshot is recorded).
    public nonisolated let recent = RecentHashes()

    /// Creates a node loader over `catalog` caching at most `capacity` nodes.
    public init(catalog: any Catalog, capacity: Int = 4096) {
        self.catalog = catalog
        self.capacity = capacity
    }

    /// The node named `hash`.
    public func node(_ hash: BlockHash) async throws -> MapNode {
        if let cached = cache[hash] { return cached }
        guard let body = try await catalog.mapNode(hash) else { throw BlockMapError.missingNode(hash) }
        let node = try MapNode.decode(body)
        remember(hash, node)
        return node
    }

    /// Adds a node just built by `BlockMap.apply` to the cache and protects it from garbage
    /// collection until its snapshot is recorded.
    public func created(_ hash: BlockHash, _ node: MapNode) {
        recent.note(hash)
        remember(hash, node)
    }

    /// Adds a node to the cache.
    func remember(_ hash: BlockHash, _ node: MapNode) {
        if cache.updateValue(node, forKey: hash) == nil {
            order.append(hash)
            if order.count > capacity {
                let evicted = order.prefix(capacity / 4)
                for old in evicted { cache[old] = nil }
                order.removeFirst(evicted.count)
            }
        }
    }
}

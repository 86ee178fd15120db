import BlockSnapCore

/// Reads and derives persistent copy-on-write block maps.
///
/// A map is named by its root node's hash (`nil` is the empty map). Applying writes rebuilds
/// only the nodes on the paths to the written indexes and shares every other subtree with the
/// base map, so cost grows with the writes, not with the volume size. Comparing two maps skips
/// every subtree whose name is the same in both.
public struct BlockMap: Sendable {
    /// The node loader.
    public let nodes: BlockMapNodes

    /// Creates a map reader over a node loader.
    public init(nodes: BlockMapNodes) {
        self.nodes = nodes
    }

    /// The result of applying writes: the new root and the nodes that did not exist before.
    public struct Derived: Sendable {
        public var root: BlockHash?
        public var newNodes: [MapNodeRecord]
    }

    /// Applies `writes` (ascending, distinct indexes) on top of the map `base`.
    public func apply(_ writes: [WrittenBlock], to base: BlockHash?) async throws -> Derived {
        guard let last = writes.last else { return Derived(root: base, newNodes: []) }
        guard last.index < BlockMapLayout.capacity, writes[0].index >= 0 else {
            throw BlockMapError.indexOutOfRange(last.index)
        }
        var created: [MapNodeRecord] = []
        let root = try await rebuild(base, level: BlockMapLayout.depth - 1, writes: writes[...], created: &created)
        return Derived(root: root, newNodes: created)
    }

    private func rebuild(
        _ hash: BlockHash?, level: Int, writes: ArraySlice<WrittenBlock>, created: inout [MapNodeRecord]
    ) async throws -> BlockHash? {
        var entries: [(slot: Int, entry: MapNode.Entry)] = []
        if let hash { entries = try await nodes.node(hash).entries }
        var merged: [(slot: Int, entry: MapNode.Entry)] = []
        merged.reserveCapacity(entries.count + writes.count)
        var old = entries[...]
        var pending = writes
        while !pending.isEmpty {
            let slot = BlockMapLayout.slot(of: pending.first!.index, level: level)
            let group = pending.prefix { BlockMapLayout.slot(of: $0.index, level: level) == slot }
            pending = pending.dropFirst(group.count)
            while let head = old.first, head.slot < slot {
                merged.append(head)
                old = old.dropFirst()
            }
            var existing: MapNode.Entry?
            if let head = old.first, head.slot == slot {
                existing = head.entry
                old = old.dropFirst()
            }
            if level == 0 {
                switch group.last!.ref {
                case .zero: merged.append((slot, .zero))
                case .data(let block): merged.append((slot, .block(block)))
                }
            } else {
                var childHash: BlockHash?
                if case .child(let h) = existing { childHash = h }
                if let child = try await rebuild(childHash, level: level - 1, writes: group, created: &created) {
                    merged.append((slot, .child(child)))
                }
            }
        }
        merged.append(contentsOf: old)
        if merged.isEmpty { return nil }
        let node = MapNode(level: level, entries: merged)
        let record = node.record()
        created.append(record)
        await nodes.created(record.hash, node)
        return record.hash
    }

    /// The entry at `index`, or nil if the map has none.
    public func lookup(_ root: BlockHash?, index: Int64) async throws -> BlockRef? {
        guard var hash = root, index >= 0, index < BlockMapLayout.capacity else { return nil }
        var level = BlockMapLayout.depth - 1
        while true {
            let node = try await nodes.node(hash)
            let slot = BlockMapLayout.slot(of: index, level: level)
            guard let entry = node.entries.first(where: { $0.slot == slot })?.entry else { return nil }
            switch entry {
            case .zero: return .zero
            case .block(let block): return .data(block)
            case .child(let child):
                hash = child
                level -= 1
            }
        }
    }

    /// Up to `limit` entries with index ≥ `start`, ascending.
    public func entries(_ root: BlockHash?, from start: Int64, limit: Int) async throws -> [WrittenBlock] {
        var out: [WrittenBlock] = []
        guard let root, limit > 0 else { return out }
        try await collect(root, level: BlockMapLayout.depth - 1, base: 0, start: start, limit: limit, into: &out)
        return out
    }

    private func collect(
        _ hash: BlockHash, level: Int, base: Int64, start: Int64, limit: Int, into out: inout [WrittenBlock]
    ) async throws {
        let node = try await nodes.node(hash)
        let span = BlockMapLayout.span(level: level)
        for (slot, entry) in node.entries {
            if out.count >= limit { return }
            let first = base + Int64(slot) * span
            if first + span <= start { continue }
            switch entry {
            case .zero: out.append(WrittenBlock(index: first, ref: .zero))
            case .block(let block): out.append(WrittenBlock(index: first, ref: .data(block)))
            case .child(let child):
                try await collect(child, level: level - 1, base: first, start: start, limit: limit, into: &out)
            }
        }
    }
}

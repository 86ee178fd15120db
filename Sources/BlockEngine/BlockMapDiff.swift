import BlockSnapCore

/// One index at which two block maps differ; nil means the map has no entry there.
public struct BlockDifference: Sendable, Equatable {
    public var index: Int64
    public var first: BlockRef?
    public var second: BlockRef?
}

extension BlockMap {
    /// Up to `limit` indexes ≥ `start` whose entries differ between `first` and `second`,
    /// ascending. Subtrees with the same name in both maps are skipped without being read.
    public func differences(
        _ first: BlockHash?, _ second: BlockHash?, from start: Int64, limit: Int
    ) async throws -> [BlockDifference] {
        var out: [BlockDifference] = []
        guard limit > 0 else { return out }
        try await compare(first, second, level: BlockMapLayout.depth - 1, base: 0, start: start, limit: limit, into: &out)
        return out
    }

    private func compare(
        _ a: BlockHash?, _ b: BlockHash?, level: Int, base: Int64, start: Int64, limit: Int,
        into out: inout [BlockDifference]
    ) async throws {
        if a == b { return }
        let left = try await entries(of: a)
        let right = try await entries(of: b)
        let span = BlockMapLayout.span(level: level)
        var i = 0
        var j = 0
        while i < left.count || j < right.count {
            if out.count >= limit { return }
            let slotA = i < left.count ? left[i].slot : Int.max
            let slotB = j < right.count ? right[j].slot : Int.max
            let slot = min(slotA, slotB)
            let entryA = slotA == slot ? left[i].entry : nil
            let entryB = slotB == slot ? right[j].entry : nil
            if slotA == slot { i += 1 }
            if slotB == slot { j += 1 }
            let first = base + Int64(slot) * span
            if first + span <= start || entryA == entryB { continue }
            if level == 0 {
                out.append(BlockDifference(index: first, first: Self.ref(entryA), second: Self.ref(entryB)))
            } else {
                try await compare(
                    Self.child(entryA), Self.child(entryB), level: level - 1, base: first, start: start,
                    limit: limit, into: &out)
            }
        }
    }

    private func entries(of hash: BlockHash?) async throws -> [(slot: Int, entry: MapNode.Entry)] {
        guard let hash else { return [] }
        return try await nodes.node(hash).entries
    }

    private static func ref(_ entry: MapNode.Entry?) -> BlockRef? {
        switch entry {
        case .zero: return .zero
        case .block(let hash): return .data(hash)
        default: return nil
        }
    }

    private static func child(_ entry: MapNode.Entry?) -> BlockHash? {
        if case .child(let hash) = entry { return hash }
        return nil
    }
}

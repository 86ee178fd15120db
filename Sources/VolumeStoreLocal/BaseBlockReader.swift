import BlockEngine
import BlockSnapCore
import Foundation

/// Reads blocks of a volume's base map (the snapshot it was created from or last captured to),
/// keeping the last few decoded blocks in memory so that small reads inside one base block do
/// not decode and re-hash 512 KiB each time.
///
/// Invariant: cached content is keyed by block hash and was verified by `BlockStore.load`, so
/// it never needs invalidation; the cache holds at most `capacity` blocks.
final class BaseBlockReader: @unchecked Sendable {
    private let blockMap: BlockMap
    private let blockStore: BlockStore
    private let capacity: Int
    // Guarded by `lock`; most recently used last.
    private var cache: [(hash: BlockHash, bytes: [UInt8])] = []
    private let lock = NSLock()

    /// Creates a reader keeping at most `capacity` decoded blocks.
    init(blockMap: BlockMap, blockStore: BlockStore, capacity: Int) {
        self.blockMap = blockMap
        self.blockStore = blockStore
        self.capacity = capacity
    }

    /// The content of block `index` in the map `root`; nil when it reads as zeros (no entry, a
    /// zero entry, or no map).
    func content(root: BlockHash?, index: Int64) async throws -> [UInt8]? {
        guard let root, case .data(let hash)? = try await blockMap.lookup(root, index: index) else { return nil }
        if let cached = cached(hash) { return cached }
        let bytes = try await blockStore.load(.data(hash))
        remember(hash, bytes)
        return bytes
    }

    /// The indexes in `range` whose base entry holds data (not absent, not a zero block).
    func dataIndexes(root: BlockHash?, in range: Range<Int64>) async throws -> Set<Int64> {
        guard let root, !range.isEmpty else { return [] }
        let limit = Int(min(Int64(Int.max), range.upperBound - range.lowerBound))
        let entries = try await blockMap.entries(root, from: range.lowerBound, limit: limit)
        var out = Set<Int64>()
        for entry in entries where range.contains(entry.index) {
            if case .data = entry.ref { out.insert(entry.index) }
        }
        return out
    }

    private func cached(_ hash: BlockHash) -> [UInt8]? {
        lock.withLock {
            guard let position = cache.firstIndex(where: { $0.hash == hash }) else { return nil }
            let entry = cache.remove(at: position)
            cache.append(entry)
            return entry.bytes
        }
    }

    private func remember(_ hash: BlockHash, _ bytes: [UInt8]) {
        guard capacity > 0 else { return }
        lock.withLock {
            if cache.contains(where: { $0.hash == hash }) { return }
            if cache.count >= capacity { cache.removeFirst() }
            cache.append((hash, bytes))
        }
    }
}

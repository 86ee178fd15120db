/// A sorted set of block indexes kept as disjoint ranges, handed out one index at a time to
/// concurrent workers.
public struct BlockRanges: Sendable, Equatable {
    /// Disjoint, non-adjacent, ascending ranges.
    public private(set) var ranges: [Range<Int64>]

    /// Normalises any ranges (overlapping, adjacent, unsorted, empty) into a sorted disjoint set.
    public init(_ ranges: [Range<Int64>]) {
        var merged: [Range<Int64>] = []
        for range in ranges.filter({ !$0.isEmpty }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        self.ranges = merged
    }

    /// The blocks touched by byte ranges of an image (a block is touched if any byte of it is).
    public init(coveringBytes byteRanges: [Range<Int64>], blockSize: Int64 = Int64(EBSBlocks.blockSize)) {
        self.init(byteRanges.map { ($0.lowerBound / blockSize)..<(($0.upperBound + blockSize - 1) / blockSize) })
    }

    /// The ranges of sorted or unsorted single indexes.
    public init(indexes: some Sequence<Int64>) {
        var ranges: [Range<Int64>] = []
        for index in indexes.sorted() {
            if let last = ranges.last, last.upperBound == index {
                ranges[ranges.count - 1] = last.lowerBound..<(index + 1)
            } else if ranges.last?.contains(index) != true {
                ranges.append(index..<(index + 1))
            }
        }
        self.ranges = ranges
    }

    /// Both sets together.
    public func union(_ other: BlockRanges) -> BlockRanges {
        BlockRanges(ranges + other.ranges)
    }

    /// The part below `limit`.
    public func clamped(below limit: Int64) -> BlockRanges {
        BlockRanges(ranges.map { $0.clamped(to: 0..<max(0, limit)) })
    }

    /// How many indexes the set holds.
    public var count: Int64 { ranges.reduce(0) { $0 + Int64($1.count) } }
}

/// Hands out the indexes of a `BlockRanges` in ascending order, each exactly once, to any number of
/// tasks.
final class BlockCursor: Sendable {
    private struct Position {
        var range = 0
        var next: Int64
    }

    private let ranges: [Range<Int64>]
    private let position: Locked<Position>

    init(_ set: BlockRanges) {
        ranges = set.ranges
        position = Locked(Position(next: set.ranges.first?.lowerBound ?? 0))
    }

    /// The next index, nil when all were handed out.
    func next() -> Int64? {
        position.withLock { position in
            while position.range < ranges.count {
                if position.next < ranges[position.range].upperBound {
                    defer { position.next += 1 }
                    return position.next
                }
                position.range += 1
                if position.range < ranges.count { position.next = ranges[position.range].lowerBound }
            }
            return nil
        }
    }
}

/// Runs a number of identical workers as child tasks and gathers what each returns; the first
/// failure cancels the others and is thrown.
enum Workers {
    static func run<Partial: Sendable>(
        count: Int, _ body: @escaping @Sendable () async throws -> Partial
    ) async throws -> [Partial] {
        try await withThrowingTaskGroup(of: Partial.self) { group in
            for _ in 0..<max(1, count) { group.addTask(operation: body) }
            var partials: [Partial] = []
            for try await partial in group { partials.append(partial) }
            return partials
        }
    }
}

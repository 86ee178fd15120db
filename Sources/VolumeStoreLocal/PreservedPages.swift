import BlockSnapCore

/// The 4 KiB pages of one 512 KiB block that copy-before-write has saved into a freeze's side
/// file, at the same offsets within the block's slot.
///
/// Invariant: a page is marked only after its pre-freeze bytes are in the slot; a block's frozen
/// content is its live bytes with every marked page taken from the slot instead.
struct PreservedPages: Sendable {
    /// Page size of the preservation (the common write granularity).
    static let pageSize = 4096
    /// Pages in a block (128).
    static let pagesPerBlock = BlockGeometry.blockSize / pageSize

    /// The block's side-file slot.
    let slot: Int
    /// One bit per page, page 0 in bit 0 of `words[0]`.
    private(set) var words: (UInt64, UInt64) = (0, 0)

    init(slot: Int) { self.slot = slot }

    /// Whether every page is saved (the slot alone holds the frozen block).
    var isComplete: Bool { words.0 == .max && words.1 == .max }

    /// Whether `page` is saved.
    func contains(_ page: Int) -> Bool {
        page < 64 ? words.0 & (1 << UInt64(page)) != 0 : words.1 & (1 << UInt64(page - 64)) != 0
    }

    /// Marks `pages` saved.
    mutating func insert(_ pages: Range<Int>) {
        for page in pages {
            if page < 64 { words.0 |= 1 << UInt64(page) } else { words.1 |= 1 << UInt64(page - 64) }
        }
    }

    /// Runs of pages in `pages` that are not saved yet, in order.
    func missing(in pages: Range<Int>) -> [Range<Int>] { runs(in: pages) { !contains($0) } }

    /// Runs of saved pages, in order.
    var savedRuns: [Range<Int>] { runs(in: 0..<Self.pagesPerBlock, where: contains) }

    /// The maximal runs of consecutive pages of `pages` for which `include` holds.
    private func runs(in pages: Range<Int>, where include: (Int) -> Bool) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start: Int?
        for page in pages {
            if include(page) {
                if start == nil { start = page }
            } else if let first = start {
                runs.append(first..<page)
                start = nil
            }
        }
        if let first = start { runs.append(first..<pages.upperBound) }
        return runs
    }

    /// The pages a byte range `within..<within+count` of a block touches.
    static func pages(within: Int, count: Int) -> Range<Int> {
        guard count > 0 else { return 0..<0 }
        return within / pageSize..<(within + count - 1) / pageSize + 1
    }

    /// The bytes of a block that a run of pages covers.
    static func bytes(of run: Range<Int>) -> Range<Int> {
        run.lowerBound * pageSize..<run.upperBound * pageSize
    }
}

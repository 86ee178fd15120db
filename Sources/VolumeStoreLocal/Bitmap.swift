/// A set of block indexes as a growable bit array, with its population count kept current.
///
/// Invariants: bits past the end of `words` are clear; `count` is the number of set bits.
/// Inserting past the end grows the array, so a bitmap never needs to know the volume size.
struct Bitmap: Sendable, Equatable {
    /// 64 indexes per word, index `i` at bit `i % 64` of word `i / 64`.
    private(set) var words: [UInt64]
    /// Number of set bits.
    private(set) var count: Int

    /// An empty bitmap.
    init() {
        words = []
        count = 0
    }

    /// A bitmap over `words`.
    init(words: [UInt64]) {
        self.words = words
        count = words.reduce(0) { $0 + $1.nonzeroBitCount }
    }

    /// Whether no index is set.
    var isEmpty: Bool { count == 0 }

    /// Equal when the same indexes are set (trailing zero words do not matter).
    static func == (lhs: Bitmap, rhs: Bitmap) -> Bool {
        guard lhs.count == rhs.count else { return false }
        let common = min(lhs.words.count, rhs.words.count)
        return lhs.words[..<common] == rhs.words[..<common]
    }

    /// Whether `index` is set.
    func contains(_ index: Int64) -> Bool {
        guard index >= 0 else { return false }
        let word = Int(index >> 6)
        return word < words.count && words[word] & (1 << UInt64(index & 63)) != 0
    }

    /// Sets `index`; returns true if it was clear.
    @discardableResult
    mutating func insert(_ index: Int64) -> Bool {
        let word = Int(index >> 6)
        if word >= words.count {
            words.append(contentsOf: repeatElement(0, count: max(word + 1, words.count * 2) - words.count))
        }
        let mask: UInt64 = 1 << UInt64(index & 63)
        if words[word] & mask != 0 { return false }
        words[word] |= mask
        count += 1
        return true
    }

    /// Clears `index`; returns true if it was set.
    @discardableResult
    mutating func remove(_ index: Int64) -> Bool {
        let word = Int(index >> 6)
        let mask: UInt64 = 1 << UInt64(index & 63)
        guard index >= 0, word < words.count, words[word] & mask != 0 else { return false }
        words[word] &= ~mask
        count -= 1
        return true
    }

    /// Sets every index set in `other`.
    mutating func formUnion(_ other: Bitmap) {
        if other.words.count > words.count {
            words.append(contentsOf: repeatElement(0, count: other.words.count - words.count))
        }
        var total = 0
        for i in words.indices {
            if i < other.words.count { words[i] |= other.words[i] }
            total += words[i].nonzeroBitCount
        }
        count = total
    }

    /// The set indexes, ascending.
    func indexes() -> [Int64] {
        var out: [Int64] = []
        out.reserveCapacity(count)
        for (i, word) in words.enumerated() where word != 0 {
            var bits = word
            while bits != 0 {
                out.append(Int64(i) << 6 + Int64(bits.trailingZeroBitCount))
                bits &= bits - 1
            }
        }
        return out
    }

    /// The first `wordCount` words, little-endian (missing words as zeros).
    func serialized(wordCount: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(wordCount * 8)
        for i in 0..<wordCount {
            let word = i < words.count ? words[i] : 0
            withUnsafeBytes(of: word.littleEndian) { out.append(contentsOf: $0) }
        }
        return out
    }

    /// Decodes `wordCount` little-endian words from `bytes` starting at `offset`.
    static func deserialize(_ bytes: [UInt8], offset: Int, wordCount: Int) -> Bitmap {
        var words = [UInt64](repeating: 0, count: wordCount)
        bytes.withUnsafeBytes { raw in
            for i in 0..<wordCount {
                words[i] = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + i * 8, as: UInt64.self))
            }
        }
        return Bitmap(words: words)
    }

    /// Words needed for `blockCount` indexes.
    static func wordCount(for blockCount: Int64) -> Int { Int((blockCount + 63) / 64) }
}

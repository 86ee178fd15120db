import CXXHash

/// The XXH3-128 of one 512 KiB block: a fast (non-cryptographic) change detector.
///
/// `upload --parent` compares each block's fingerprint with the one the parent's manifest
/// recorded and computes the SHA-256 (the checksum the API needs) only for blocks that differ.
/// A block whose fingerprint matches is taken as unchanged; two different blocks share a
/// 128-bit XXH3 by accident with probability about 2⁻¹²⁸ (`upload --compare sha256` compares
/// SHA-256 digests instead, at several times the CPU cost).
public struct BlockFingerprint: Hashable, Sendable, CustomStringConvertible {
    /// Low and high 64 bits, as XXH3 returns them.
    public let low: UInt64
    public let high: UInt64

    /// Creates a fingerprint from its two halves.
    public init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }

    /// XXH3-128 (seed 0) of `bytes`.
    public init(hashing bytes: UnsafeRawBufferPointer) {
        let hash = XXH3_128bits(bytes.baseAddress, bytes.count)
        self.init(low: hash.low64, high: hash.high64)
    }

    /// Parses 32 hexadecimal digits in XXH3's canonical (big-endian: high then low) order.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 32 else { return nil }
        var words: [UInt64] = [0, 0]
        for (position, digit) in digits.enumerated() {
            guard let value = HexDigits.value(of: digit) else { return nil }
            words[position / 16] = words[position / 16] << 4 | UInt64(value)
        }
        self.init(low: words[1], high: words[0])
    }

    /// The 16 bytes in XXH3's canonical order: the high half, then the low half, big endian.
    public var bytes: [UInt8] {
        withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { Array($0) }
    }

    /// 32 lower-case hex digits of `bytes` (as `xxhsum -H2` prints them).
    public var hex: String { HexDigits.encode(bytes) }

    public var description: String { hex }
}

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

    /// 32 lower-case hex digits, high half first (XXH3's canonical form, as `xxhsum -H2` prints).
    public var hex: String {
        let digits = HexDigits.lowercase
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for word in [high, low] {
            for shift in stride(from: 60, through: 0, by: -4) { out.append(digits[Int((word >> UInt64(shift)) & 0xF)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }
}

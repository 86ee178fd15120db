/// A SHA-256 digest of a block's uncompressed 512 KiB content; always exactly 32 bytes.
public struct BlockHash: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 32 digest bytes.
    public let bytes: [UInt8]

    /// Wraps 32 digest bytes; returns nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// Parses 64 lowercase or uppercase hex characters.
    public init?(hex: String) {
        guard hex.utf8.count == 64 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(32)
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = Self.nibble(high), let l = Self.nibble(low) else { return nil }
            out.append(h << 4 | l)
        }
        self.bytes = out
    }

    /// Lowercase hex form, 64 characters.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var chars = [UInt8]()
        chars.reserveCapacity(64)
        for byte in bytes {
            chars.append(digits[Int(byte >> 4)])
            chars.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: chars, as: UTF8.self)
    }

    /// Standard base64 form, as the EBS `x-amz-Checksum` header carries it.
    public var base64: String { Base64.encode(bytes) }

    public var description: String { hex }

    public static func < (lhs: BlockHash, rhs: BlockHash) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// What a block map records for one block index: an all-zero block (never stored as an object)
/// or the hash of stored content.
public enum BlockRef: Hashable, Sendable {
    /// The block is all zeros; it hides any parent block at the same index.
    case zero
    /// The block's content is the object addressed by this hash.
    case data(BlockHash)
}

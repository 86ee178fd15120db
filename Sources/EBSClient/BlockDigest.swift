import Crypto
import Foundation

/// The SHA-256 of one 512 KiB block, kept as four words so that large maps of them stay compact.
public struct BlockDigest: Hashable, Sendable, CustomStringConvertible {
    private var words: (UInt64, UInt64, UInt64, UInt64)

    /// Creates a digest from exactly 32 raw bytes; nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { raw in
            for (offset, byte) in bytes.enumerated() { raw[offset] = byte }
        }
        self.words = words
    }

    /// Parses the standard base64 of 32 bytes, as `x-amz-Checksum` carries it.
    public init?(base64: String) {
        guard let data = Data(base64Encoded: base64) else { return nil }
        self.init(bytes: data)
    }

    /// Parses 64 hexadecimal digits.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for i in stride(from: 0, to: 64, by: 2) {
            guard let high = HexDigits.value(of: digits[i]), let low = HexDigits.value(of: digits[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self.init(bytes: bytes)
    }

    /// The SHA-256 of `bytes`.
    public init(hashing bytes: UnsafeRawBufferPointer) {
        var hasher = SHA256()
        hasher.update(bufferPointer: bytes)
        self.init(bytes: Array(hasher.finalize()))!
    }

    /// The 32 raw bytes.
    public var bytes: [UInt8] {
        withUnsafeBytes(of: words) { Array($0) }
    }

    /// Standard base64 with padding, as AWS headers want it.
    public var base64: String { Data(bytes).base64EncodedString() }

    /// Lower-case hex.
    public var hex: String { HexDigits.encode(bytes) }

    public var description: String { hex }

    public static func == (lhs: BlockDigest, rhs: BlockDigest) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2
            && lhs.words.3 == rhs.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
    }
}

/// Block arithmetic of the EBS direct APIs.
public enum EBSBlocks {
    /// Bytes in one block: 512 KiB, the only block size the EBS direct APIs use.
    public static let blockSize = 524_288
    /// Bytes in one GiB.
    public static let bytesPerGiB: Int64 = 1 << 30
    /// Blocks in one GiB.
    public static let blocksPerGiB: Int64 = bytesPerGiB / Int64(blockSize)

    /// The digest of a block of zeros.
    public static let zeroBlockDigest: BlockDigest = {
        let zeros = [UInt8](repeating: 0, count: blockSize)
        return zeros.withUnsafeBytes { BlockDigest(hashing: $0) }
    }()

    /// Whether every byte of `bytes` is zero (memcmp-fast, even in debug builds).
    public static func isZero(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return true }
        guard base.load(as: UInt8.self) == 0 else { return false }
        // All zero iff the first byte is zero and every byte equals the one before it.
        return memcmp(base, base + 1, bytes.count - 1) == 0
    }

    /// The `LINEAR` aggregate checksum of CompleteSnapshot: the SHA-256 of the raw digests of the
    /// written blocks concatenated in ascending block-index order.
    public static func linearAggregate(_ digestsInIndexOrder: some Sequence<BlockDigest>) -> BlockDigest {
        var hasher = SHA256()
        for digest in digestsInIndexOrder {
            digest.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }
        return BlockDigest(bytes: Array(hasher.finalize()))!
    }

    /// Whole GiB needed to hold `bytes` (at least 1).
    public static func volumeSizeGiB(forBytes bytes: Int64) -> Int64 {
        max(1, (bytes + bytesPerGiB - 1) / bytesPerGiB)
    }
}

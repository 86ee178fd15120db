import BlockSnapCore
import CZstd
import Crypto

/// The on-disk form of one stored block (object format version 1):
///
///     offset size  field
///     0      4     magic "BSB1"
///     4      1     format version (1)
///     5      1     codec: 0 = raw, 1 = zstd
///     6      2     reserved, zero
///     8      4     uncompressed length, little endian (always 524288 today)
///     12     32    SHA-256 of the uncompressed content
///     44     …     payload (raw bytes or one zstd frame)
///
/// Invariant: `decode` returns bytes only if they hash to the expected digest.
public enum BlockCodec {
    static let magic: [UInt8] = Array("BSB1".utf8)
    static let version: UInt8 = 1
    static let headerSize = 44

    /// Payload encodings.
    public enum Codec: UInt8, Sendable {
        case raw = 0
        case zstd = 1
    }

    /// SHA-256 of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> BlockHash {
        BlockHash(bytes: Array(SHA256.hash(data: bytes)))!
    }

    /// Whether every byte is zero.
    public static func isAllZero(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var index = 0
            let count = raw.count
            while index + 8 <= count {
                if raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) != 0 { return false }
                index += 8
            }
            while index < count {
                if raw[index] != 0 { return false }
                index += 1
            }
            return true
        }
    }

    /// Bytes of a block compressed first to judge whether the whole block is worth compressing.
    static let probeSize = 32 * 1024

    /// Encodes a block, compressed with zstd at `level` unless that doesn't save at least 1/32.
    /// Incompressible blocks (already compressed or encrypted data) are recognised from a
    /// 32 KiB probe and stored raw without compressing the rest.
    public static func encode(_ data: [UInt8], hash: BlockHash, level: Int32 = 1) -> [UInt8] {
        let bound = ZSTD_compressBound(data.count)
        var out = [UInt8](unsafeUninitializedCapacity: headerSize + bound) { _, count in count = headerSize + bound }
        let compressedSize: Int? = ZstdContextPool.shared.withContext { context in
            out.withUnsafeMutableBytes { dst in
                data.withUnsafeBytes { src -> Int? in
                    let probe = min(probeSize, src.count)
                    let probed = ZSTD_compressCCtx(context, dst.baseAddress! + headerSize, bound, src.baseAddress, probe, level)
                    if ZSTD_isError(probed) != 0 || probed >= probe - probe / 32 { return nil }
                    let size = ZSTD_compressCCtx(context, dst.baseAddress! + headerSize, bound, src.baseAddress, src.count, level)
                    return ZSTD_isError(size) == 0 ? size : nil
                }
            }
        }
        let codec: Codec
        if let compressedSize, compressedSize < data.count - data.count / 32 {
            out.removeLast(bound - compressedSize)
            codec = .zstd
        } else {
            out.removeLast(out.count - headerSize)
            out.append(contentsOf: data)
            codec = .raw
        }
        writeHeader(into: &out, codec: codec, length: UInt32(data.count), hash: hash)
        return out
    }

    /// Decodes an object and verifies its content against `expected`.
    public static func decode(_ object: [UInt8], expected: BlockHash) throws(BlockIntegrityError) -> [UInt8] {
        guard object.count >= headerSize, Array(object[0..<4]) == magic else {
            throw BlockIntegrityError(hash: expected, reason: "bad object header")
        }
        guard object[4] == version else {
            throw BlockIntegrityError(hash: expected, reason: "unknown object format version \(object[4])")
        }
        let length = Int(object[8]) | Int(object[9]) << 8 | Int(object[10]) << 16 | Int(object[11]) << 24
        guard Array(object[12..<44]) == expected.bytes else {
            throw BlockIntegrityError(hash: expected, reason: "header digest differs from the key")
        }
        let content: [UInt8]
        switch Codec(rawValue: object[5]) {
        case .raw:
            content = Array(object[headerSize...])
        case .zstd:
            content = try decompress(object, length: length, expected: expected)
        case nil:
            throw BlockIntegrityError(hash: expected, reason: "unknown codec \(object[5])")
        }
        guard content.count == length, hash(content) == expected else {
            throw BlockIntegrityError(hash: expected, reason: "content does not match its SHA-256")
        }
        return content
    }

    private static func decompress(_ object: [UInt8], length: Int, expected: BlockHash) throws(BlockIntegrityError) -> [UInt8] {
        var content = [UInt8](repeating: 0, count: length)
        let written = content.withUnsafeMutableBytes { dst in
            object.withUnsafeBytes { src in
                ZSTD_decompress(dst.baseAddress, length, src.baseAddress! + headerSize, src.count - headerSize)
            }
        }
        guard ZSTD_isError(written) == 0, written == length else {
            throw BlockIntegrityError(hash: expected, reason: "zstd payload is corrupt")
        }
        return content
    }

    private static func writeHeader(into out: inout [UInt8], codec: Codec, length: UInt32, hash: BlockHash) {
        out.replaceSubrange(0..<4, with: magic)
        out[4] = version
        out[5] = codec.rawValue
        out[6] = 0
        out[7] = 0
        out[8] = UInt8(truncatingIfNeeded: length)
        out[9] = UInt8(truncatingIfNeeded: length >> 8)
        out[10] = UInt8(truncatingIfNeeded: length >> 16)
        out[11] = UInt8(truncatingIfNeeded: length >> 24)
        out.replaceSubrange(12..<44, with: hash.bytes)
    }
}

/// A stored block failed verification: it is never returned as data.
public struct BlockIntegrityError: Error, Sendable, CustomStringConvertible {
    /// The block that failed.
    public let hash: BlockHash
    /// What was wrong.
    public let reason: String

    public var description: String { "block \(hash.hex): \(reason)" }
}

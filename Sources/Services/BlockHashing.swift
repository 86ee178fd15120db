import BlockSnapCore
import Crypto

/// SHA-256 helpers used by the services.
enum BlockHashing {
    static func sha256Hex(_ bytes: [UInt8]) -> String {
        BlockHash(bytes: Array(SHA256.hash(data: bytes)))!.hex
    }

    /// base64(SHA-256(concatenated raw digests)), the EBS `LINEAR` aggregate checksum.
    static func linearAggregate(_ digests: [BlockHash]) -> String {
        var hasher = SHA256()
        for digest in digests { hasher.update(data: digest.bytes) }
        return Base64.encode(Array(hasher.finalize()))
    }
}

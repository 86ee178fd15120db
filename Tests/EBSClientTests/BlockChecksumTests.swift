import Foundation
import Testing

@testable import EBSClient

@Suite("Block digests, zero detection and the LINEAR aggregate")
struct BlockChecksumTests {
    static let zeroHex = "07854d2fef297a06ba81685e660c332de36d5d18d546927d30daad6d7fda1541"
    static let onesHex = "33a150bceb13c1a992231e65b4fad16815212fc06cdb408996d32eeb2cef9ebb"

    @Test func digestsOfKnownBlocks() {
        #expect(EBSBlocks.zeroBlockDigest.hex == Self.zeroHex)
        #expect(EBSBlocks.zeroBlockDigest.base64 == "B4VNL+8pega6gWheZgwzLeNtXRjVRpJ9MNqtbX/aFUE=")
        let ones = [UInt8](repeating: 1, count: EBSBlocks.blockSize)
        #expect(ones.withUnsafeBytes { BlockDigest(hashing: $0) }.hex == Self.onesHex)
        let abc = Array("abc".utf8).withUnsafeBytes { BlockDigest(hashing: $0) }
        #expect(abc.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func encodingsRoundTrip() throws {
        let digest = try #require(BlockDigest(hex: Self.onesHex))
        #expect(BlockDigest(base64: digest.base64) == digest)
        #expect(BlockDigest(bytes: digest.bytes) == digest)
        #expect(BlockDigest(hex: Self.onesHex.uppercased()) == digest)
        #expect(BlockDigest(hex: "00") == nil)
        #expect(BlockDigest(hex: String(repeating: "g", count: 64)) == nil)
        #expect(BlockDigest(base64: "not base64!") == nil)
        #expect(BlockDigest(base64: "AAAA") == nil)
        #expect(digest != EBSBlocks.zeroBlockDigest)
        #expect(Set([digest, digest, EBSBlocks.zeroBlockDigest]).count == 2)
    }

    @Test func zeroDetection() {
        var block = [UInt8](repeating: 0, count: EBSBlocks.blockSize)
        #expect(block.withUnsafeBytes(EBSBlocks.isZero))
        block[EBSBlocks.blockSize - 1] = 1
        #expect(!block.withUnsafeBytes(EBSBlocks.isZero))
        block[EBSBlocks.blockSize - 1] = 0
        block[0] = 0x80
        #expect(!block.withUnsafeBytes(EBSBlocks.isZero))
        block[0] = 0
        block[262_144] = 7
        #expect(!block.withUnsafeBytes(EBSBlocks.isZero))
        #expect([UInt8]().withUnsafeBytes(EBSBlocks.isZero))
        #expect([UInt8(0)].withUnsafeBytes(EBSBlocks.isZero))
    }

    @Test func linearAggregateMatchesColdsnapDefinition() throws {
        let zero = EBSBlocks.zeroBlockDigest
        let ones = try #require(BlockDigest(hex: Self.onesHex))
        // base64(sha256(raw digest of block 0 ++ raw digest of block 1)), computed with Python's hashlib.
        #expect(EBSBlocks.linearAggregate([zero, ones]).base64 == "HFRGTdrSd+vfQo2s4W+AwgFjuBSYcNtoI3LPFCEQbPw=")
        #expect(EBSBlocks.linearAggregate([ones, zero]).base64 == "MLligFpT5fEWxXp80/WJECfzU1lVDoPeSvjppm7/MM0=")
    }

    @Test func volumeSizes() {
        #expect(EBSBlocks.volumeSizeGiB(forBytes: 0) == 1)
        #expect(EBSBlocks.volumeSizeGiB(forBytes: 1) == 1)
        #expect(EBSBlocks.volumeSizeGiB(forBytes: 1 << 30) == 1)
        #expect(EBSBlocks.volumeSizeGiB(forBytes: (1 << 30) + 1) == 2)
        #expect(EBSBlocks.blocksPerGiB == 2048)
    }
}

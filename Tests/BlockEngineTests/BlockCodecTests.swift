import BlockSnapCore
import Testing

@testable import BlockEngine

@Suite struct BlockCodecTests {
    static func compressible() -> [UInt8] {
        let line = Array("2026-11-25T14:37:25Z INFO blocksnap wrote block 42 of snapshot snap-0123\n".utf8)
        return (0..<BlockGeometry.blockSize).map { line[$0 % line.count] }
    }

    static func incompressible(seed: UInt64 = 7) -> [UInt8] {
        var state = seed
        return (0..<BlockGeometry.blockSize).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    @Test func compressibleBlockIsStoredCompressedAndRoundTrips() throws {
        let data = Self.compressible()
        let hash = BlockCodec.hash(data)
        let object = BlockCodec.encode(data, hash: hash)
        #expect(object[5] == BlockCodec.Codec.zstd.rawValue)
        #expect(object.count < data.count / 10)
        #expect(try BlockCodec.decode(object, expected: hash) == data)
    }

    @Test func incompressibleBlockIsStoredRaw() throws {
        let data = Self.incompressible()
        let hash = BlockCodec.hash(data)
        let object = BlockCodec.encode(data, hash: hash)
        #expect(object[5] == BlockCodec.Codec.raw.rawValue)
        #expect(object.count == data.count + BlockCodec.headerSize)
        #expect(try BlockCodec.decode(object, expected: hash) == data)
    }

    @Test(arguments: [0, 20, 44, 1000, 60000])
    func anyFlippedByteIsDetected(offset: Int) throws {
        for data in [Self.compressible(), Self.incompressible()] {
            let hash = BlockCodec.hash(data)
            var object = BlockCodec.encode(data, hash: hash)
            guard offset < object.count else { continue }
            object[offset] ^= 0x40
            #expect(throws: BlockIntegrityError.self) { try BlockCodec.decode(object, expected: hash) }
        }
    }

    @Test func objectUnderAnotherNameIsRefused() {
        let data = Self.compressible()
        let object = BlockCodec.encode(data, hash: BlockCodec.hash(data))
        let other = BlockCodec.hash(Self.incompressible())
        #expect(throws: BlockIntegrityError.self) { try BlockCodec.decode(object, expected: other) }
    }

    @Test func truncatedObjectIsRefused() {
        let data = Self.incompressible()
        let hash = BlockCodec.hash(data)
        let object = BlockCodec.encode(data, hash: hash)
        #expect(throws: BlockIntegrityError.self) { try BlockCodec.decode(Array(object.dropLast(1)), expected: hash) }
        #expect(throws: BlockIntegrityError.self) { try BlockCodec.decode(Array(object.prefix(10)), expected: hash) }
    }

    @Test func zeroDetection() {
        var data = [UInt8](repeating: 0, count: BlockGeometry.blockSize)
        #expect(BlockCodec.isAllZero(data))
        data[BlockGeometry.blockSize - 1] = 1
        #expect(!BlockCodec.isAllZero(data))
        data[BlockGeometry.blockSize - 1] = 0
        data[3] = 9
        #expect(!BlockCodec.isAllZero(data))
    }
}

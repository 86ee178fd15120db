import NIOCore
import Testing

@testable import NBDServer

/// What the server sends, byte for byte, against proto.md's layouts.
@Suite struct ReplyEncodingTests {
    @Test func greetingIsNBDMAGICThenIHAVEOPTThenFlags() {
        #expect(bytes(of: NBDHandshakeMessages.greeting()) == Array("NBDMAGICIHAVEOPT".utf8) + [0x00, 0x03])
    }

    @Test func exportNameReplyHasZeroesUnlessTheClientRefusedThem() {
        let padded = bytes(of: NBDHandshakeMessages.exportNameReply(size: 1 << 30, flags: 0x014D, noZeroes: false))
        #expect(padded == [0, 0, 0, 0, 0x40, 0, 0, 0, 0x01, 0x4D] + [UInt8](repeating: 0, count: 124))
        let bare = bytes(of: NBDHandshakeMessages.exportNameReply(size: 1 << 30, flags: 0x014D, noZeroes: true))
        #expect(bare == [0, 0, 0, 0, 0x40, 0, 0, 0, 0x01, 0x4D])
    }

    @Test func optionReplies() {
        func wire(_ reply: NBDOptionReply) -> [UInt8] {
            var buffer = ByteBuffer()
            reply.write(into: &buffer)
            return bytes(of: buffer)
        }
        let magic: [UInt8] = [0x00, 0x03, 0xE8, 0x89, 0x04, 0x55, 0x65, 0xA9]
        #expect(wire(.ack(7)) == magic + [0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0])
        #expect(
            wire(.infoExport(7, size: 0x1_0000_0000, flags: 0x0D))
                == magic + [0, 0, 0, 7, 0, 0, 0, 3, 0, 0, 0, 12] + [0, 0] + [0, 0, 0, 1, 0, 0, 0, 0] + [0, 0x0D])
        #expect(
            wire(.infoBlockSize(6, NBDBlockSizes()))
                == magic + [0, 0, 0, 6, 0, 0, 0, 3, 0, 0, 0, 14] + [0, 3] + [0, 0, 0, 1] + [0, 0, 0x10, 0]
                + [0x02, 0, 0, 0])
        #expect(
            wire(.metaContext(10, id: 1, name: "base:allocation"))
                == magic + [0, 0, 0, 10, 0, 0, 0, 4, 0, 0, 0, 19] + [0, 0, 0, 1] + Array("base:allocation".utf8))
        #expect(
            wire(.error(5, NBDOptionReplyType.errPolicy, "no"))
                == magic + [0, 0, 0, 5, 0x80, 0, 0, 2, 0, 0, 0, 2] + Array("no".utf8))
    }

    @Test func simpleReplies() {
        let cookie: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        #expect(
            bytes(of: NBDReply.simple(cookie: 0x0102_0304_0506_0708)) == [0x67, 0x44, 0x66, 0x98, 0, 0, 0, 0] + cookie)
        #expect(
            bytes(of: NBDReply.simple(cookie: 0x0102_0304_0506_0708, error: .noSpace))
                == [0x67, 0x44, 0x66, 0x98, 0, 0, 0, 28] + cookie)
        #expect(
            bytes(of: withData(NBDReply.simpleReadHeader(cookie: 0x0102_0304_0506_0708, length: 2), [9, 9]))
                == [0x67, 0x44, 0x66, 0x98, 0, 0, 0, 0] + cookie + [9, 9])
    }

    @Test func structuredChunks() {
        let magic: [UInt8] = [0x66, 0x8E, 0x33, 0xEF]
        let cookie: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 5]
        #expect(
            bytes(of: withData(NBDReply.offsetDataHeader(cookie: 5, offset: 4096, length: 1), [0xAA]))
                == magic + [0, 1, 0, 1] + cookie + [0, 0, 0, 9] + [0, 0, 0, 0, 0, 0, 0x10, 0] + [0xAA])
        #expect(bytes(of: NBDReply.none(cookie: 5)) == magic + [0, 1, 0, 0] + cookie + [0, 0, 0, 0])
        #expect(
            bytes(of: NBDReply.structuredError(cookie: 5, error: .invalid, message: "bad"))
                == magic + [0, 1, 0x80, 1] + cookie + [0, 0, 0, 9] + [0, 0, 0, 22] + [0, 3] + Array("bad".utf8))
        let status = NBDReply.blockStatus(
            cookie: 5, contextId: 1,
            descriptors: [
                NBDExtentDescriptor(length: 512 << 10, flags: 0), NBDExtentDescriptor(length: 1 << 20, flags: 3),
            ])
        #expect(
            bytes(of: status)
                == magic + [0, 1, 0, 5] + cookie + [0, 0, 0, 20] + [0, 0, 0, 1] + [0, 0x08, 0, 0, 0, 0, 0, 0]
                + [0, 0x10, 0, 0, 0, 0, 0, 3])
    }

    @Test func transmissionFlagsFollowTheExport() {
        let writable = NBDExport(volumeId: "vol-1", size: 1 << 30, writable: true)
        // HAS_FLAGS | SEND_FLUSH | SEND_FUA | SEND_TRIM | SEND_WRITE_ZEROES | CAN_MULTI_CONN | SEND_FAST_ZERO
        #expect(writable.transmissionFlags(structuredReplies: false) == 0x096D)
        #expect(writable.transmissionFlags(structuredReplies: true) == 0x09ED)  // + SEND_DF
        let readOnly = NBDExport(volumeId: "vol-1", size: 1 << 30, writable: false)
        // HAS_FLAGS | READ_ONLY | SEND_FLUSH | SEND_FUA | CAN_MULTI_CONN
        #expect(readOnly.transmissionFlags(structuredReplies: false) == 0x010F)
    }
}

/// A read reply header followed by its data, as the executor fills it.
private func withData(_ header: ByteBuffer, _ data: [UInt8]) -> ByteBuffer {
    var buffer = header
    buffer.writeBytes(data)
    return buffer
}

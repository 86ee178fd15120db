import NIOCore

/// Transmission-phase replies, each encoded into one buffer so that concurrent replies never
/// interleave on the wire.
///
/// Simple reply (proto.md "Simple reply message"):
///
///     0x67446698 (32) · error (32) · cookie (64) · data (a successful read only)
///
/// Structured reply chunk ("Structured reply chunk message"):
///
///     0x668e33ef (32) · flags (16) · type (16) · cookie (64) · length (32) · payload
enum NBDReply {
    /// A simple reply without data: success (`error` nil) or an error.
    static func simple(cookie: UInt64, error: NBDErrno? = nil) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(16)
        writeSimpleHeader(&buffer, cookie: cookie, error: error?.rawValue ?? 0)
        return buffer
    }

    /// The header of a successful simple reply to a read, with room reserved for its `length`
    /// bytes of data (written by the caller).
    static func simpleReadHeader(cookie: UInt64, length: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(16 + length)
        writeSimpleHeader(&buffer, cookie: cookie, error: 0)
        return buffer
    }

    /// The chunk header and offset of a final `NBD_REPLY_TYPE_OFFSET_DATA` chunk, with room
    /// reserved for its `length` bytes of data (written by the caller).
    static func offsetDataHeader(cookie: UInt64, offset: UInt64, length: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(20 + 8 + length)
        writeChunkHeader(&buffer, type: NBDReplyType.offsetData, cookie: cookie, length: 8 + length, done: true)
        buffer.writeInteger(offset)
        return buffer
    }

    /// `NBD_REPLY_TYPE_NONE`, final: success without content.
    static func none(cookie: UInt64) -> ByteBuffer {
        var buffer = ByteBuffer()
        writeChunkHeader(&buffer, type: NBDReplyType.none, cookie: cookie, length: 0, done: true)
        return buffer
    }

    /// `NBD_REPLY_TYPE_ERROR`, final: error (32) · message length (16) · message.
    static func structuredError(cookie: UInt64, error: NBDErrno, message: String) -> ByteBuffer {
        let text = Array(message.utf8.prefix(NBDOptionRequest.maxStringLength))
        var buffer = ByteBuffer()
        writeChunkHeader(&buffer, type: NBDReplyType.error, cookie: cookie, length: 6 + text.count, done: true)
        buffer.writeInteger(error.rawValue)
        buffer.writeInteger(UInt16(text.count))
        buffer.writeBytes(text)
        return buffer
    }

    /// `NBD_REPLY_TYPE_BLOCK_STATUS`, final: context id (32) · (length (32) · flags (32))…
    static func blockStatus(cookie: UInt64, contextId: UInt32, descriptors: [NBDExtentDescriptor]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(20 + 4 + 8 * descriptors.count)
        writeChunkHeader(
            &buffer, type: NBDReplyType.blockStatus, cookie: cookie, length: 4 + 8 * descriptors.count, done: true)
        buffer.writeInteger(contextId)
        for descriptor in descriptors {
            buffer.writeInteger(descriptor.length)
            buffer.writeInteger(descriptor.flags)
        }
        return buffer
    }

    private static func writeSimpleHeader(_ buffer: inout ByteBuffer, cookie: UInt64, error: UInt32) {
        buffer.writeInteger(NBDMagic.simpleReply)
        buffer.writeInteger(error)
        buffer.writeInteger(cookie)
    }

    private static func writeChunkHeader(
        _ buffer: inout ByteBuffer, type: UInt16, cookie: UInt64, length: Int, done: Bool
    ) {
        buffer.writeInteger(NBDMagic.structuredReply)
        buffer.writeInteger(done ? NBDReplyType.flagDone : 0)
        buffer.writeInteger(type)
        buffer.writeInteger(cookie)
        buffer.writeInteger(UInt32(length))
    }
}

/// One extent of a block status reply.
struct NBDExtentDescriptor: Hashable, Sendable {
    /// Bytes covered (nonzero).
    var length: UInt32
    /// `NBD_STATE_*` flags of the metadata context.
    var flags: UInt32
}

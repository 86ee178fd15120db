import NIOCore

/// One reply to an option (proto.md "Fixed newstyle negotiation"):
///
///     0x3e889045565a9 (64) · option (32) · reply type (32) · length (32) · data
struct NBDOptionReply: Hashable, Sendable {
    /// The option answered.
    var option: UInt32
    /// `NBD_REP_*`.
    var type: UInt32
    /// The reply's data.
    var data: ByteBuffer

    /// `NBD_REP_ACK`.
    static func ack(_ option: UInt32) -> NBDOptionReply {
        NBDOptionReply(option: option, type: NBDOptionReplyType.ack, data: ByteBuffer())
    }

    /// An error reply (`type` has bit 31 set) with a message for a human.
    static func error(_ option: UInt32, _ type: UInt32, _ message: String) -> NBDOptionReply {
        NBDOptionReply(option: option, type: type, data: ByteBuffer(string: message))
    }

    /// `NBD_REP_SERVER`: one export of an `NBD_OPT_LIST` answer, its name's length (32) and name.
    static func server(_ option: UInt32, name: String) -> NBDOptionReply {
        var data = ByteBuffer()
        data.writeInteger(UInt32(name.utf8.count))
        data.writeString(name)
        return NBDOptionReply(option: option, type: NBDOptionReplyType.server, data: data)
    }

    /// `NBD_REP_INFO` with `NBD_INFO_EXPORT`: size (64) and transmission flags (16).
    static func infoExport(_ option: UInt32, size: UInt64, flags: UInt16) -> NBDOptionReply {
        var data = ByteBuffer()
        data.writeInteger(NBDInfoType.export)
        data.writeInteger(size)
        data.writeInteger(flags)
        return NBDOptionReply(option: option, type: NBDOptionReplyType.info, data: data)
    }

    /// `NBD_REP_INFO` with `NBD_INFO_NAME`: the canonical export name.
    static func infoName(_ option: UInt32, name: String) -> NBDOptionReply {
        var data = ByteBuffer()
        data.writeInteger(NBDInfoType.name)
        data.writeString(name)
        return NBDOptionReply(option: option, type: NBDOptionReplyType.info, data: data)
    }

    /// `NBD_REP_INFO` with `NBD_INFO_BLOCK_SIZE`: minimum, preferred and maximum payload (32 each).
    static func infoBlockSize(_ option: UInt32, _ sizes: NBDBlockSizes) -> NBDOptionReply {
        var data = ByteBuffer()
        data.writeInteger(NBDInfoType.blockSize)
        data.writeInteger(sizes.minimum)
        data.writeInteger(sizes.preferred)
        data.writeInteger(sizes.maximumPayload)
        return NBDOptionReply(option: option, type: NBDOptionReplyType.info, data: data)
    }

    /// `NBD_REP_META_CONTEXT`: a context id (32) and its name.
    static func metaContext(_ option: UInt32, id: UInt32, name: String) -> NBDOptionReply {
        var data = ByteBuffer()
        data.writeInteger(id)
        data.writeString(name)
        return NBDOptionReply(option: option, type: NBDOptionReplyType.metaContext, data: data)
    }

    /// Appends the reply's wire form.
    func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(NBDMagic.optionReply)
        buffer.writeInteger(option)
        buffer.writeInteger(type)
        buffer.writeInteger(UInt32(data.readableBytes))
        buffer.writeImmutableBuffer(data)
    }
}

/// The size constraints advertised with `NBD_INFO_BLOCK_SIZE`.
struct NBDBlockSizes: Hashable, Sendable {
    /// Smallest addressable unit (1: any byte range works).
    var minimum: UInt32 = 1
    /// Smallest size with efficient I/O.
    var preferred: UInt32 = 4096
    /// Largest write (or simple read) payload.
    var maximumPayload: UInt32 = 32 << 20
}

/// The server's first bytes and the reply to `NBD_OPT_EXPORT_NAME`.
enum NBDHandshakeMessages {
    /// NBDMAGIC · IHAVEOPT · handshake flags (FIXED_NEWSTYLE | NO_ZEROES).
    static func greeting() -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(NBDMagic.initPassword)
        buffer.writeInteger(NBDMagic.iHaveOption)
        buffer.writeInteger(NBDHandshakeFlags.fixedNewstyle | NBDHandshakeFlags.noZeroes)
        return buffer
    }

    /// size (64) · transmission flags (16) · 124 zero bytes unless the client set NO_ZEROES.
    static func exportNameReply(size: UInt64, flags: UInt16, noZeroes: Bool) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(size)
        buffer.writeInteger(flags)
        if !noZeroes { buffer.writeRepeatingByte(0, count: 124) }
        return buffer
    }
}

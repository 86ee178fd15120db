import NIOCore

/// The client flags sent right after the server's greeting.
struct NBDClientFlags: Hashable, Sendable {
    /// The raw 32 bits.
    var rawValue: UInt32

    /// `NBD_FLAG_C_FIXED_NEWSTYLE`.
    var fixedNewstyle: Bool { rawValue & NBDHandshakeFlags.clientFixedNewstyle != 0 }
    /// `NBD_FLAG_C_NO_ZEROES`: no 124 zero bytes after `NBD_OPT_EXPORT_NAME`'s reply.
    var noZeroes: Bool { rawValue & NBDHandshakeFlags.clientNoZeroes != 0 }
}

/// Parses what a client sends during the handshake (proto.md "Newstyle negotiation"): first
/// 32 bits of client flags, then options, each framed as
///
///     IHAVEOPT (64) · option (32) · data length (32) · data
///
/// A pure value: it consumes bytes from the buffer only when a whole item is there, so it can be
/// fed any split of the stream. Anything that makes the stream unreadable (a wrong magic,
/// unknown client flags, an option longer than `maxOptionLength`) throws `NBDProtocolError`,
/// and the connection must be closed.
struct NBDHandshakeParser: Sendable {
    /// What one call produced.
    enum ParseResult: Hashable, Sendable {
        /// The buffer holds no whole item yet.
        case needMoreData
        /// The client flags (always the first item).
        case clientFlags(NBDClientFlags)
        /// One option.
        case option(NBDOptionRequest)
    }

    /// Where the parser is in the stream.
    enum State: Hashable, Sendable {
        /// Waiting for the 4 bytes of client flags.
        case clientFlags
        /// Waiting for an option header and its data.
        case options
    }

    /// Where the parser is.
    private(set) var state = State.clientFlags
    /// The longest option data accepted (export names are at most 4 KiB).
    let maxOptionLength: Int

    /// Creates a parser expecting the client flags.
    init(maxOptionLength: Int = 64 * 1024) {
        self.maxOptionLength = maxOptionLength
    }

    /// Consumes the next whole item from `buffer`, if there is one.
    mutating func parse(_ buffer: inout ByteBuffer) throws(NBDProtocolError) -> ParseResult {
        switch state {
        case .clientFlags:
            guard let raw = buffer.readInteger(as: UInt32.self) else { return .needMoreData }
            guard raw & ~NBDHandshakeFlags.knownClientFlags == 0 else {
                throw NBDProtocolError(.unknownClientFlags, "client flags 0x\(String(raw, radix: 16))")
            }
            state = .options
            return .clientFlags(NBDClientFlags(rawValue: raw))
        case .options:
            let start = buffer.readerIndex
            guard let magic = buffer.getInteger(at: start, as: UInt64.self) else { return .needMoreData }
            guard magic == NBDMagic.iHaveOption else {
                throw NBDProtocolError(.badMagic, "option magic 0x\(String(magic, radix: 16))")
            }
            guard let code = buffer.getInteger(at: start + 8, as: UInt32.self),
                let length = buffer.getInteger(at: start + 12, as: UInt32.self)
            else { return .needMoreData }
            guard length <= maxOptionLength else {
                throw NBDProtocolError(.optionTooLong, "option \(code) with \(length) bytes of data")
            }
            guard buffer.readableBytes >= 16 + Int(length) else { return .needMoreData }
            buffer.moveReaderIndex(forwardBy: 16)
            let data = buffer.readSlice(length: Int(length))!
            return .option(NBDOptionRequest(code: code, data: data))
        }
    }
}

import NIOCore

/// Parses transmission-phase requests. A pure value like `NBDHandshakeParser`: a request is
/// consumed only once its header and (for a write) its whole payload are in the buffer.
///
/// A wrong magic throws (the stream cannot be resynchronised). A write whose payload exceeds
/// `maxPayload` is reported as `.payloadTooLarge` without consuming its data: the server answers
/// `NBD_EINVAL` and closes the connection rather than buffer it.
struct NBDRequestParser: Sendable {
    /// What one call produced.
    enum ParseResult: Sendable {
        /// The buffer holds no whole request yet.
        case needMoreData
        /// One request.
        case request(NBDRequest)
        /// A write announcing more payload than the server accepts; its header only.
        case payloadTooLarge(NBDRequest)
    }

    /// The size of a request header.
    static let headerSize = 28

    /// The largest write payload accepted (also advertised as the maximum payload size).
    let maxPayload: Int

    /// Creates a parser.
    init(maxPayload: Int = 32 << 20) {
        self.maxPayload = maxPayload
    }

    /// Consumes the next whole request from `buffer`, if there is one.
    func parse(_ buffer: inout ByteBuffer) throws(NBDProtocolError) -> ParseResult {
        let start = buffer.readerIndex
        guard let magic = buffer.getInteger(at: start, as: UInt32.self) else { return .needMoreData }
        guard magic == NBDMagic.request else {
            throw NBDProtocolError(.badMagic, "request magic 0x\(String(magic, radix: 16))")
        }
        guard buffer.readableBytes >= Self.headerSize else { return .needMoreData }
        var request = NBDRequest(
            flags: buffer.getInteger(at: start + 4)!, command: NBDCommand(rawValue: buffer.getInteger(at: start + 6)!),
            cookie: buffer.getInteger(at: start + 8)!, offset: buffer.getInteger(at: start + 16)!,
            length: buffer.getInteger(at: start + 24)!, payload: ByteBuffer())
        guard request.command == .write else {
            buffer.moveReaderIndex(forwardBy: Self.headerSize)
            return .request(request)
        }
        guard request.length <= maxPayload else { return .payloadTooLarge(request) }
        guard buffer.readableBytes >= Self.headerSize + Int(request.length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: Self.headerSize)
        request.payload = buffer.readSlice(length: Int(request.length))!
        return .request(request)
    }
}

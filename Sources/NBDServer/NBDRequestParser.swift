import NIOCore

/// Parses transmission-phase requests. A pure value like `NBDHandshakeParser`: a request is
/// returned only once its header and (for a write) its whole payload have arrived.
///
///     header ──(write)──▶ payload(request, collected) ──(all bytes)──▶ header
///
/// A write's payload is collected straight into a `[UInt8]` of its final size as bytes arrive
/// (the only copy before the store's `pwrite`), so large writes never grow the input buffer.
///
/// A wrong magic throws (the stream cannot be resynchronised). A write whose payload exceeds
/// `maxPayload` is reported as `.payloadTooLarge` without consuming anything: the server answers
/// `NBD_EINVAL` and closes the connection rather than read it.
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

    /// Where the parser is in the stream.
    enum State: Sendable {
        /// Waiting for a request header.
        case header
        /// A write's header was read; its payload is being collected.
        case payload(NBDRequest, collected: [UInt8])
    }

    /// The size of a request header.
    static let headerSize = 28

    /// The largest write payload accepted (also advertised as the maximum payload size).
    let maxPayload: Int
    /// Where the parser is.
    private(set) var state = State.header

    /// Creates a parser.
    init(maxPayload: Int = 32 << 20) {
        self.maxPayload = maxPayload
    }

    /// Consumes bytes from `buffer` and returns the next whole request, if there is one.
    mutating func parse(_ buffer: inout ByteBuffer) throws(NBDProtocolError) -> ParseResult {
        switch state {
        case .header:
            return try parseHeader(&buffer)
        case .payload(let request, var collected):
            state = .header  // Drops the state's reference, so `collected` grows in place.
            return collect(request, &collected, from: &buffer)
        }
    }

    private mutating func parseHeader(_ buffer: inout ByteBuffer) throws(NBDProtocolError) -> ParseResult {
        let start = buffer.readerIndex
        guard let magic = buffer.getInteger(at: start, as: UInt32.self) else { return .needMoreData }
        guard magic == NBDMagic.request else {
            throw NBDProtocolError(.badMagic, "request magic 0x\(String(magic, radix: 16))")
        }
        guard buffer.readableBytes >= Self.headerSize else { return .needMoreData }
        let request = NBDRequest(
            flags: buffer.getInteger(at: start + 4)!, command: NBDCommand(rawValue: buffer.getInteger(at: start + 6)!),
            cookie: buffer.getInteger(at: start + 8)!, offset: buffer.getInteger(at: start + 16)!,
            length: buffer.getInteger(at: start + 24)!, payload: [])
        guard request.command == .write else {
            buffer.moveReaderIndex(forwardBy: Self.headerSize)
            return .request(request)
        }
        guard request.length <= maxPayload else { return .payloadTooLarge(request) }
        buffer.moveReaderIndex(forwardBy: Self.headerSize)
        var collected: [UInt8] = []
        collected.reserveCapacity(Int(request.length))
        return collect(request, &collected, from: &buffer)
    }

    /// Moves what `buffer` has of the payload into `collected`; the request once it is whole.
    private mutating func collect(
        _ request: NBDRequest, _ collected: inout [UInt8], from buffer: inout ByteBuffer
    ) -> ParseResult {
        let wanted = Int(request.length) - collected.count
        let count = min(wanted, buffer.readableBytes)
        if count > 0 {
            buffer.readWithUnsafeReadableBytes { bytes in
                collected.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<count]))
                return count
            }
        }
        guard count == wanted else {
            state = .payload(request, collected: collected)
            return .needMoreData
        }
        var whole = request
        whole.payload = collected
        return .request(whole)
    }
}

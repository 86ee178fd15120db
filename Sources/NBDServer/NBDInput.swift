import NIOCore

/// The bytes a connection has received and not yet parsed, refilled from the channel.
struct NBDInput {
    /// Where more bytes come from.
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    /// Received, unparsed bytes.
    var buffer = ByteBuffer()

    /// Consumed bytes kept at the front of `buffer` before they are discarded.
    private static let discardThreshold = 1 << 20

    /// Reads from `iterator`.
    init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) {
        self.iterator = iterator
    }

    /// Appends the next bytes received; false when the stream ended (the client closed, or the
    /// server is shutting down).
    mutating func readMore() async throws -> Bool {
        guard let next = try await iterator.next() else { return false }
        if buffer.readableBytes == 0 {
            buffer = next
        } else {
            if buffer.readerIndex > Self.discardThreshold { buffer.discardReadBytes() }
            var next = next
            buffer.writeBuffer(&next)
        }
        return true
    }
}

import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Sends a connection's replies, coalescing those that complete together: a reply that finds
/// another send under way is queued, and the task sending drains the queue in batches (one
/// write and flush per batch) before it returns. So under load, many replies cross to the
/// event loop in one hop instead of one hop each.
///
/// Invariant: replies are written in the order `send` queued them, each exactly once (or
/// dropped because the channel closed). A `send` that finds another one draining returns at
/// once, its reply left to that one; a draining `send` returns only when the queue is empty. So
/// once every `send` call has returned (the connection's task group has finished), every reply
/// has been handed to the channel.
final class NBDReplySender: Sendable {
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var queue: [ByteBuffer] = []
        var draining = false
    }

    init(outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, logger: Logger) {
        self.outbound = outbound
        self.logger = logger
    }

    /// Sends `reply`, possibly with others; a closed channel is not an error here (the reader
    /// sees the end of the stream).
    func send(_ reply: ByteBuffer) async {
        var batch: [ByteBuffer] = state.withLockedValue { state in
            state.queue.append(reply)
            guard !state.draining else { return [] }
            state.draining = true
            defer { state.queue = [] }
            return state.queue
        }
        while !batch.isEmpty {
            do {
                try await outbound.write(contentsOf: batch)
            } catch {
                logger.debug("NBD replies not sent: \(error)")
            }
            batch = state.withLockedValue { state in
                defer { state.queue = [] }
                if state.queue.isEmpty { state.draining = false }
                return state.queue
            }
        }
    }
}

import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Sends a connection's replies, coalescing those that complete together: a reply that finds
/// another send under way is queued, and the task sending drains the queue in batches (one
/// write and flush per batch). So under load, many replies cross to the event loop in one hop
/// instead of one hop each.
///
/// Invariant: replies are written in the order `send` queued them, each exactly once (or
/// dropped because the channel closed), and every `send` returns only after its reply was
/// handed to the channel. So the channel's backpressure still holds back the tasks that
/// produce replies, and with them the connection's in-flight limits. One write hands the channel
/// at most `maxWriteBytes` (or a single larger reply), so what waits in the channel beyond the
/// requests' budgets is about that much per connection (`StalledReaderCloser` closes a
/// connection whose client takes nothing for a while).
final class NBDReplySender: Sendable {
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    /// Queued replies and, unless their sender is the one draining, that sender waiting for them.
    private typealias Entry = (replies: [ByteBuffer], waiter: CheckedContinuation<Bool, Never>?)

    private struct State {
        var queue: [Entry] = []
        var draining = false
    }

    /// The most reply bytes one write hands the channel (a single larger reply goes alone).
    static let maxWriteBytes = 4 << 20

    init(outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, logger: Logger) {
        self.outbound = outbound
        self.logger = logger
    }

    /// Sends `reply`, possibly with others; a closed channel is not an error here (the reader
    /// sees the end of the stream).
    func send(_ reply: ByteBuffer) async {
        await send(contentsOf: [reply])
    }

    /// Sends `replies` in order, possibly with others.
    func send(contentsOf replies: [ByteBuffer]) async {
        let drains = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let drains = state.withLockedValue { state -> Bool in
                if state.draining {
                    state.queue.append((replies, continuation))
                    return false
                }
                state.draining = true
                state.queue.append((replies, nil))
                return true
            }
            // A queued sender is resumed (with false) by the drainer once its reply is written.
            if drains { continuation.resume(returning: true) }
        }
        guard drains else { return }
        while true {
            let batch = state.withLockedValue { state -> [Entry] in
                defer { state.queue = [] }
                if state.queue.isEmpty { state.draining = false }
                return state.queue
            }
            if batch.isEmpty { return }
            do {
                // Each write waits until the channel is writable again.
                var chunk: [ByteBuffer] = []
                var chunkBytes = 0
                for reply in batch.lazy.flatMap(\.replies) {
                    if !chunk.isEmpty, chunkBytes + reply.readableBytes > Self.maxWriteBytes {
                        try await outbound.write(contentsOf: chunk)
                        chunk.removeAll(keepingCapacity: true)
                        chunkBytes = 0
                    }
                    chunk.append(reply)
                    chunkBytes += reply.readableBytes
                }
                try await outbound.write(contentsOf: chunk)
            } catch {
                logger.debug("NBD replies not sent: \(error)")
            }
            for entry in batch { entry.waiter?.resume(returning: false) }
        }
    }
}

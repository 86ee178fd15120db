import Logging
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// Sends a connection's replies, coalescing those that complete together: a reply that finds
/// another send under way is queued, and the task sending drains the queue in batches (one
/// write and flush per batch). So under load, many replies cross to the event loop in one hop
/// instead of one hop each.
///
/// Invariant: replies are written in the order `send` queued them, each exactly once (or
/// dropped because the channel closed), and every `send` returns only after its reply was
/// handed to the channel. So the channel's backpressure still holds back the tasks that
/// produce replies, and with them the connection's in-flight limits. Replies handed to the
/// channel no longer count against those limits; `StalledReaderCloser` closes a connection whose
/// client takes none of them for a while. (Handing them in chunks of a few MiB, each waiting for
/// writability, would bound them too, but cost sequential reads 10–20%: bench/README.md.)
final class NBDReplySender: Sendable {
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let logger: Logger
    private let state = NIOLockedValueBox(State())
    private let writeFailed = Atomic(false)

    /// Queued replies and, unless their sender is the one draining, that sender waiting for them.
    private typealias Entry = (replies: [ByteBuffer], waiter: CheckedContinuation<Bool, Never>?)

    private struct State {
        var queue: [Entry] = []
        var draining = false
    }

    init(outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, logger: Logger) {
        self.outbound = outbound
        self.logger = logger
    }

    /// Whether a write failed: the channel is closed, and no reply will reach the client.
    var isClosed: Bool { writeFailed.load(ordering: .relaxed) }

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
                try await outbound.write(contentsOf: batch.flatMap(\.replies))
            } catch {
                writeFailed.store(true, ordering: .relaxed)
                logger.debug("NBD replies not sent: \(error)")
            }
            for entry in batch { entry.waiter?.resume(returning: false) }
        }
    }
}

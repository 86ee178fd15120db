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
/// produce replies, and with them the connection's in-flight limits. A write the client does not
/// take within `writeTimeout` closes the connection (which ends the write), so a client that
/// stops reading cannot hold its requests' memory for ever: one timer per connection looks at
/// when the write under way began (no timer is set per write, which would cost an event-loop
/// wake-up per batch of replies).
final class NBDReplySender: Sendable {
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let channel: any Channel
    private let writeTimeout: TimeAmount
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    /// Queued replies and, unless their sender is the one draining, that sender waiting for them.
    private typealias Entry = (replies: [ByteBuffer], waiter: CheckedContinuation<Bool, Never>?)

    private struct State {
        var queue: [Entry] = []
        var draining = false
        /// When the write under way began; nil while none is.
        var writingSince: NIODeadline?
    }

    init(
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, channel: any Channel, writeTimeout: TimeAmount,
        logger: Logger
    ) {
        self.outbound = outbound
        self.channel = channel
        self.writeTimeout = writeTimeout
        self.logger = logger
    }

    /// Checks, every quarter of the write timeout until the returned task is cancelled, whether a write has
    /// waited longer than the timeout, and closes the connection if so.
    func startWatchdog() -> RepeatedTask {
        let interval = TimeAmount.nanoseconds(max(writeTimeout.nanoseconds / 4, 1_000_000))
        return channel.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in
            let since = state.withLockedValue { $0.writingSince }
            guard let since, NIODeadline.now() - since >= writeTimeout else { return }
            logger.notice("closing NBD connection: the client read no reply for \(writeTimeout)")
            channel.close(promise: nil)
        }
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
                if state.queue.isEmpty {
                    state.draining = false
                    state.writingSince = nil
                } else {
                    state.writingSince = .now()
                }
                return state.queue
            }
            if batch.isEmpty { return }
            do {
                try await outbound.write(contentsOf: batch.flatMap(\.replies))
            } catch {
                logger.debug("NBD replies not sent: \(error)")
            }
            for entry in batch { entry.waiter?.resume(returning: false) }
        }
    }
}

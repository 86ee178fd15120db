import Logging
import NIOCore

/// Closes a connection whose client has stopped taking replies: replies wait in the channel and
/// none of their bytes has gone to the socket for `timeout`. A quiet connection with nothing to
/// send is left alone however long, and so is a client that reads slowly but steadily. What the
/// closed connection's requests held is freed as their writes fail.
///
/// It counts the bytes written through it (an addition per write, no promise) and looks every
/// quarter of the timeout: bytes gone to the socket = bytes written − bytes still buffered, both
/// read on the event loop at the same moment.
///
/// Invariant: the check is scheduled only while the channel is active, and cancelled with it.
final class StalledReaderCloser: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let logger: Logger
    private var written: Int64 = 0
    private var lastSent: Int64 = 0
    private var stalledSince: NIODeadline?
    private var check: RepeatedTask?

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startChecking(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startChecking(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopChecking()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopChecking()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        written += Int64(unwrapOutboundIn(data).readableBytes)
        context.write(data, promise: promise)
    }

    private func startChecking(_ context: ChannelHandlerContext) {
        guard check == nil else { return }
        let interval = TimeAmount.nanoseconds(max(timeout.nanoseconds / 4, 1_000_000))
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        check = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            loopBound.value.handler.look(loopBound.value.context)  // runs on the channel's event loop
        }
    }

    private func stopChecking() {
        check?.cancel()
        check = nil
    }

    private func look(_ context: ChannelHandlerContext) {
        let buffered = Int64((try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0)
        let sent = written - buffered
        defer { lastSent = sent }
        guard buffered > 0, sent == lastSent else {
            stalledSince = nil
            return
        }
        let now = NIODeadline.now()
        guard let since = stalledSince else {
            stalledSince = now
            return
        }
        guard now - since >= timeout else { return }
        logger.notice(
            "closing NBD connection: the client took no reply bytes in time",
            metadata: [
                "nbd.peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "?")", "nbd.waiting_bytes": "\(buffered)",
            ])
        stopChecking()
        context.close(promise: nil)
    }
}

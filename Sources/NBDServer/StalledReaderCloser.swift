import Logging
import NIOCore

/// Closes a connection whose client has stopped taking replies: `IdleStateHandler` reports that
/// no write has completed for the reply write timeout, and replies are still waiting in the
/// channel. A connection with nothing to send is left alone however long it is quiet; a client
/// that reads slowly but steadily completes writes and is left alone too. What the closed
/// connection's requests held is freed as their writes fail.
final class StalledReaderCloser: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .write? = event as? IdleStateHandler.IdleStateEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let waiting = (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        guard waiting > 0 else { return }
        logger.notice(
            "closing NBD connection: the client took no reply in time",
            metadata: ["nbd.peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "?")", "nbd.waiting_bytes": "\(waiting)"])
        context.close(promise: nil)
    }
}

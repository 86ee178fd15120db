import NIOCore
import NIOHTTPTypes

/// Bounds how long a request's body may take to arrive, from its head to its end, so that a
/// client trickling a body (or stalling in it) cannot hold a connection and a request task for
/// as long as it keeps sending a byte within each idle timeout.
///
/// Past the limit the request fails with ``RequestBodyTimedOut``: the responder, still reading
/// the body, answers with its front end's 400, and once that response has been written the
/// connection is closed (its remaining bytes are never read).
///
/// Invariant: at most one deadline is scheduled; it is cancelled when the request's end arrives,
/// and when the channel goes inactive or the handler is removed.
public final class RequestBodyDeadline: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    private let limit: TimeAmount
    private var deadline: Scheduled<Void>?
    private var expired = false
    /// Whether the current request has been answered in full (an early answer, such as an
    /// authentication failure, leaves its body unread).
    private var answered = false

    public init(limit: Duration) {
        self.limit = TimeAmount(limit)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if expired { return }  // the connection closes after the answer; the rest is not read
        switch unwrapInboundIn(data) {
        case .head:
            cancel()
            answered = false
            let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            deadline = context.eventLoop.assumeIsolated().scheduleTask(in: limit) {
                loopBound.value.handler.expire(context: loopBound.value.context)
            }
        case .end:
            cancel()
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        guard expired else {
            answered = true
            context.write(data, promise: promise)
            return
        }
        let written = promise ?? context.eventLoop.makePromise()
        context.writeAndFlush(data, promise: written)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        written.futureResult.assumeIsolated().whenComplete { _ in loopBound.value.close(promise: nil) }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
    }

    private func expire(context: ChannelHandlerContext) {
        deadline = nil
        expired = true
        if answered {
            // Nobody reads the rest of this body any more: close now.
            context.close(promise: nil)
        } else {
            context.fireErrorCaught(RequestBodyTimedOut(limit: limit))
        }
    }

    private func cancel() {
        deadline?.cancel()
        deadline = nil
    }
}

/// A request body that did not arrive whole within ``RequestBodyDeadline``'s limit.
public struct RequestBodyTimedOut: Error, Equatable {
    public let limit: TimeAmount

    /// The limit in whole seconds, as the error message states it.
    public var seconds: Int64 { limit.nanoseconds / 1_000_000_000 }
}

import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@testable import APIServer

/// The body deadline on an embedded channel with a virtual clock: a body still arriving past the
/// limit fails its request, and the connection closes once the answer is written; a body that
/// ends in time is untouched however long its connection then lives.
@Suite struct RequestBodyDeadlineTests {
    static let head = HTTPRequestPart.head(HTTPRequest(method: .put, scheme: nil, authority: "h", path: "/x"))

    static func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: RequestBodyDeadline(limit: .seconds(10)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    @Test func aBodyStillArrivingPastTheLimitFailsAndTheConnectionClosesAfterTheAnswer() throws {
        let channel = try Self.channel()
        try channel.writeInbound(Self.head)
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "a")))
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "b")))
        #expect(throws: Never.self) { try channel.throwIfErrorCaught() }
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(throws: RequestBodyTimedOut(limit: .seconds(10))) { try channel.throwIfErrorCaught() }

        // Whatever arrives later is not passed on.
        _ = try channel.readInbound(as: HTTPRequestPart.self)
        _ = try channel.readInbound(as: HTTPRequestPart.self)
        _ = try channel.readInbound(as: HTTPRequestPart.self)
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "c")))
        #expect(try channel.readInbound(as: HTTPRequestPart.self) == nil)

        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .badRequest)))
        #expect(channel.isActive, "the answer is written before the connection closes")
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
        #expect(try channel.readOutbound(as: HTTPResponsePart.self) == .head(HTTPResponse(status: .badRequest)))
        #expect(try channel.readOutbound(as: HTTPResponsePart.self) == .end(nil))
    }

    @Test func aBodyThatEndsInTimeLeavesTheConnectionAlone() throws {
        let channel = try Self.channel()
        for _ in 0..<3 {
            try channel.writeInbound(Self.head)
            channel.embeddedEventLoop.advanceTime(by: .seconds(9))
            try channel.writeInbound(HTTPRequestPart.end(nil))
            channel.embeddedEventLoop.advanceTime(by: .seconds(60))
            try channel.writeOutbound(HTTPResponsePart.end(nil))
        }
        #expect(throws: Never.self) { try channel.throwIfErrorCaught() }
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    @Test func aBodyStillArrivingAfterAnEarlyAnswerClosesTheConnectionAtTheLimit() throws {
        let channel = try Self.channel()
        try channel.writeInbound(Self.head)
        // Answered before the body was read (say, an authentication failure).
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .forbidden)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "a")))
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
    }
}

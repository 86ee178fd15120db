import NIOCore
import NIOPosix

@testable import NBDServer

/// A client that writes and reads raw protocol bytes: the way to misbehave on purpose.
final class RawClient {
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var buffer = ByteBuffer()
    /// The socket, to close it abruptly.
    let channel: any Channel

    private init(
        _ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, _ channel: any Channel
    ) {
        self.iterator = iterator
        self.outbound = outbound
        self.channel = channel
    }

    /// Connects to the server on `port` and runs `body`; the connection is closed afterwards.
    static func with<T: Sendable>(port: Int, _ body: (RawClient) async throws -> T) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await body(RawClient(inbound.makeAsyncIterator(), outbound, channel.channel))
        }
    }

    /// Sends bytes.
    func send(_ bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Sends bytes.
    func send(_ bytes: Bytes) async throws { try await send(bytes.array) }

    /// Exactly `count` bytes, or nil if the connection closed first.
    func read(_ count: Int) async throws -> [UInt8]? {
        while buffer.readableBytes < count {
            guard var next = try await iterator.next() else { return nil }
            buffer.writeBuffer(&next)
        }
        return buffer.readBytes(length: count)
    }

    /// Reads until the server closes the connection; true if it did (rather than erroring).
    func closedByServer() async -> Bool {
        do {
            while try await iterator.next() != nil {}
            return true
        } catch {
            return true  // A reset is a close too.
        }
    }

    /// Closes the socket abruptly, as a vanishing client does.
    func vanish() async {
        try? await channel.close()
    }

    // MARK: Protocol steps

    /// One option reply: option, type, data.
    func readOptionReply() async throws -> (option: UInt32, type: UInt32, data: [UInt8]) {
        guard let header = try await read(20) else { throw TestFailure("closed before an option reply") }
        var buffer = ByteBuffer(bytes: header)
        guard buffer.readInteger(as: UInt64.self) == NBDMagic.optionReply else { throw TestFailure("bad reply magic") }
        let option = buffer.readInteger(as: UInt32.self)!
        let type = buffer.readInteger(as: UInt32.self)!
        let length = Int(buffer.readInteger(as: UInt32.self)!)
        guard let data = try await read(length) else { throw TestFailure("closed inside an option reply") }
        return (option, type, data)
    }

    /// Reads the greeting and sends client flags (fixed newstyle, no zeroes).
    func greet() async throws {
        guard let greeting = try await read(18), greeting == bytes(of: NBDHandshakeMessages.greeting()) else {
            throw TestFailure("no greeting")
        }
        try await send(Bytes().int(UInt32(3)))
    }

    /// The whole handshake up to transmission with `NBD_OPT_GO`; the export's size and flags.
    @discardableResult
    func open(_ export: String, structured: Bool = false, allocation: Bool = false) async throws -> (
        size: UInt64, flags: UInt16
    ) {
        try await greet()
        if structured {
            try await send(optionBytes(8))
            guard try await readOptionReply().type == NBDOptionReplyType.ack else { throw TestFailure("no structured") }
        }
        if allocation {
            try await send(optionBytes(10, metaContextBytes(export, ["base:allocation"])))
            while try await readOptionReply().type != NBDOptionReplyType.ack {}
        }
        try await send(optionBytes(7, exportQueryBytes(export, [NBDInfoType.blockSize])))
        var info: (UInt64, UInt16)?
        while true {
            let reply = try await readOptionReply()
            if reply.type == NBDOptionReplyType.ack { break }
            guard reply.type == NBDOptionReplyType.info else { throw TestFailure("GO failed: \(reply.type)") }
            var data = ByteBuffer(bytes: reply.data)
            if data.readInteger(as: UInt16.self) == NBDInfoType.export {
                info = (data.readInteger()!, data.readInteger()!)
            }
        }
        guard let info else { throw TestFailure("no NBD_INFO_EXPORT") }
        return info
    }

    /// Sends one request.
    func request(
        _ command: NBDCommand, flags: UInt16 = 0, cookie: UInt64, offset: UInt64 = 0, length: UInt32 = 0,
        payload: [UInt8] = []
    ) async throws {
        try await send(
            requestBytes(
                command.rawValue, flags: flags, cookie: cookie, offset: offset, length: length, payload: payload))
    }

    /// A simple reply: its error and cookie, then `dataLength` bytes of data if the error is 0.
    func readSimpleReply(dataLength: Int = 0) async throws -> (error: UInt32, cookie: UInt64, data: [UInt8]) {
        guard let header = try await read(16) else { throw TestFailure("closed before a reply") }
        var buffer = ByteBuffer(bytes: header)
        guard buffer.readInteger(as: UInt32.self) == NBDMagic.simpleReply else {
            throw TestFailure("not a simple reply")
        }
        let error = buffer.readInteger(as: UInt32.self)!
        let cookie = buffer.readInteger(as: UInt64.self)!
        guard error == 0, dataLength > 0 else { return (error, cookie, []) }
        guard let data = try await read(dataLength) else { throw TestFailure("closed inside read data") }
        return (error, cookie, data)
    }

    /// One structured reply chunk.
    func readChunk() async throws -> (flags: UInt16, type: UInt16, cookie: UInt64, payload: [UInt8]) {
        guard let header = try await read(20) else { throw TestFailure("closed before a chunk") }
        var buffer = ByteBuffer(bytes: header)
        guard buffer.readInteger(as: UInt32.self) == NBDMagic.structuredReply else { throw TestFailure("not a chunk") }
        let flags = buffer.readInteger(as: UInt16.self)!
        let type = buffer.readInteger(as: UInt16.self)!
        let cookie = buffer.readInteger(as: UInt64.self)!
        let length = Int(buffer.readInteger(as: UInt32.self)!)
        guard let payload = try await read(length) else { throw TestFailure("closed inside a chunk") }
        return (flags, type, cookie, payload)
    }

    /// Writes and reads back through a fresh request pair: proof that the connection works.
    func roundTrip(offset: UInt64, byte: UInt8, cookie: UInt64 = 1000) async throws -> Bool {
        let data = [UInt8](repeating: byte, count: 4096)
        try await request(.write, cookie: cookie, offset: offset, length: 4096, payload: data)
        guard try await readSimpleReply().error == 0 else { return false }
        try await request(.read, cookie: cookie + 1, offset: offset, length: 4096)
        return try await readSimpleReply(dataLength: 4096).data == data
    }
}

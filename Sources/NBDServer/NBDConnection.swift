import BlockSnapCore
import Logging
import NIOCore
import NIOSSL

/// One client connection: the greeting, option haggling, then the transmission phase.
///
/// Never throws: whatever a client does ends at most its own connection.
struct NBDConnection: Sendable {
    /// The data plane.
    let volumes: any VolumeBlockIO
    /// Resolves export names.
    let resolve: NBDExportResolver
    /// Lists exports.
    let list: NBDExportLister
    /// TLS, required of every client when set.
    let tls: NBDTLSConfiguration?
    /// Limits and sizes.
    let configuration: NBDService.Configuration
    /// The server's logger.
    let logger: Logger
    /// The payload bytes all connections' requests may hold at once.
    let budget: NBDMemoryBudget

    init(
        volumes: any VolumeBlockIO, resolve: @escaping NBDExportResolver, list: @escaping NBDExportLister,
        tls: NBDTLSConfiguration?,
        configuration: NBDService.Configuration, logger: Logger
    ) {
        self.volumes = volumes
        self.resolve = resolve
        self.list = list
        self.tls = tls
        self.configuration = configuration
        self.logger = logger
        self.budget = NBDMemoryBudget(capacity: max(configuration.maxBytesInFlightTotal, configuration.maxPayload))
    }

    /// Serves `channel` until the client disconnects or breaks the protocol, then closes it.
    func run(_ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        var logger = self.logger
        logger[metadataKey: "nbd.peer"] = "\(channel.channel.remoteAddress.map { "\($0)" } ?? "?")"
        do {
            try await channel.executeThenClose { inbound, outbound in
                // A client that does not finish the handshake in time is disconnected.
                let handshakeLogger = logger
                let deadline = channel.channel.eventLoop.scheduleTask(in: configuration.handshakeTimeout) {
                    handshakeLogger.notice("closing NBD connection: the handshake did not finish in time")
                    channel.channel.close(promise: nil)
                }
                defer { deadline.cancel() }
                try await outbound.write(NBDHandshakeMessages.greeting())
                var input = NBDInput(inbound.makeAsyncIterator())
                guard let session = try await negotiate(&input, outbound, channel.channel, logger: &logger) else {
                    return
                }
                deadline.cancel()
                logger[metadataKey: "nbd.export"] = "\(session.export.volumeId)"
                logger.debug("NBD transmission started", metadata: ["nbd.structured": "\(session.structuredReplies)"])
                let executor = NBDCommandExecutor(
                    session: session, volumes: volumes, maxPayload: configuration.maxPayload, logger: logger)
                await NBDTransmission(
                    executor: executor, outbound: outbound, budget: budget,
                    configuration: configuration, logger: logger
                ).run(&input)
            }
        } catch {
            logger.debug("NBD connection ended: \(error)")
        }
        logger.debug("NBD connection closed")
    }

    /// Option haggling; the session to serve, or nil when the connection is to be closed.
    private func negotiate(
        _ input: inout NBDInput, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, _ channel: any Channel,
        logger: inout Logger
    ) async throws -> NBDSession? {
        var parser = NBDHandshakeParser(maxOptionLength: configuration.maxOptionLength)
        var negotiation = NBDNegotiation(
            blockSizes: configuration.blockSizes, tlsRequired: tls != nil, list: list, resolve: resolve)
        var handshaking = false
        while true {
            let result: NBDHandshakeParser.ParseResult
            do {
                result = try parser.parse(&input.buffer)
            } catch {
                logger.notice("closing NBD connection during the handshake: \(error)")
                return nil
            }
            switch result {
            case .needMoreData:
                guard try await input.readMore() else { return nil }
            case .clientFlags(let flags):
                negotiation.clientFlags = flags
            case .option(let option):
                if handshaking {
                    // The first option after STARTTLS arrives only once the handshake is done.
                    handshaking = false
                    guard let client = try await Self.tlsClient(of: channel) else {
                        logger.notice("closing NBD connection: the client certificate names no account")
                        return nil
                    }
                    logger[metadataKey: "nbd.client"] = "\(client)"
                    negotiation.tlsEstablished(client: client)
                }
                switch await negotiation.handle(option) {
                case .reply(let replies):
                    try await outbound.write(Self.encode(replies))
                case .abort(let replies):
                    try await outbound.write(Self.encode(replies))
                    return nil
                case .close(let reason):
                    logger.notice("closing NBD connection: \(reason)")
                    return nil
                case .transmission(let bytes, let session):
                    try await outbound.write(bytes)
                    return session
                case .startTLS(let replies):
                    // The client may send nothing more until it has our reply.
                    guard input.buffer.readableBytes == 0, let tls else {
                        logger.notice("closing NBD connection: data after NBD_OPT_STARTTLS")
                        return nil
                    }
                    try await Self.startTLS(channel, reply: Self.encode(replies), context: tls.context)
                    handshaking = true
                }
            }
        }
    }

    /// Sends `reply` in the clear and puts TLS in front of everything after it, in one event
    /// loop turn so that no byte the client sends next can be read before TLS is in place.
    private static func startTLS(_ channel: any Channel, reply: ByteBuffer, context: NIOSSLContext) async throws {
        try await channel.eventLoop.flatSubmit {
            channel.writeAndFlush(reply, promise: nil)
            do {
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context), position: .first)
                return channel.eventLoop.makeSucceededVoidFuture()
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
        }.get()
    }

    /// The account of the validated client certificate of a TLS connection, or nil.
    private static func tlsClient(of channel: any Channel) async throws -> NBDClient? {
        let certificate = try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self).peerCertificate
        }.get()
        return certificate.flatMap(NBDTLSConfiguration.accountId(of:)).map(NBDClient.account)
    }

    private static func encode(_ replies: [NBDOptionReply]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for reply in replies { reply.write(into: &buffer) }
        return buffer
    }
}

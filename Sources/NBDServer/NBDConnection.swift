import Logging
import NIOCore
import VolumeStoreLocal

/// One client connection: the greeting, option haggling, then the transmission phase.
///
/// Never throws: whatever a client does ends at most its own connection.
struct NBDConnection: Sendable {
    /// The data plane.
    let volumes: LocalVolumeStore
    /// Resolves export names.
    let resolve: NBDExportResolver
    /// Limits and sizes.
    let configuration: NBDService.Configuration
    /// The server's logger.
    let logger: Logger

    /// Serves `channel` until the client disconnects or breaks the protocol, then closes it.
    func run(_ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        var logger = self.logger
        logger[metadataKey: "nbd.peer"] = "\(channel.channel.remoteAddress.map { "\($0)" } ?? "?")"
        do {
            try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(NBDHandshakeMessages.greeting())
                var input = NBDInput(inbound.makeAsyncIterator())
                guard let session = try await negotiate(&input, outbound, logger: logger) else { return }
                logger[metadataKey: "nbd.export"] = "\(session.export.volumeId)"
                logger.debug("NBD transmission started", metadata: ["nbd.structured": "\(session.structuredReplies)"])
                let executor = NBDCommandExecutor(
                    session: session, volumes: volumes, maxPayload: configuration.maxPayload, logger: logger)
                await NBDTransmission(
                    executor: executor, outbound: outbound, configuration: configuration, logger: logger
                ).run(&input)
            }
        } catch {
            logger.debug("NBD connection ended: \(error)")
        }
        logger.debug("NBD connection closed")
    }

    /// Option haggling; the session to serve, or nil when the connection is to be closed.
    private func negotiate(
        _ input: inout NBDInput, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, logger: Logger
    ) async throws -> NBDSession? {
        var parser = NBDHandshakeParser(maxOptionLength: configuration.maxOptionLength)
        var negotiation = NBDNegotiation(blockSizes: configuration.blockSizes, resolve: resolve)
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
                }
            }
        }
    }

    private static func encode(_ replies: [NBDOptionReply]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for reply in replies { reply.write(into: &buffer) }
        return buffer
    }
}

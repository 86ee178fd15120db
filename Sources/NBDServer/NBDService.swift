import BlockSnapCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The NBD server as a service: serves the volumes of an export catalog, by volume id, over the
/// Network Block Device protocol (fixed newstyle; NOTLS, or FORCEDTLS with client certificates
/// naming accounts). See docs/nbd.md.
///
/// Graceful shutdown stops accepting connections, lets each connection answer the requests
/// it already received, and returns when all are closed.
public struct NBDService: Service {
    private let listener: NBDListener

    /// Creates the service. `exports` says which exports (volume ids) a client may list and
    /// open; an export is served only if its volume is also open in `volumes` (its data is on
    /// this node). With `tls`, every client must upgrade to TLS with a client certificate.
    public init(
        host: String, port: Int, volumes: any VolumeBlockIO, exports: some NBDExportCatalog,
        tls: NBDTLSConfiguration? = nil, logger: Logger, configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        listener = NBDListener(
            host: host, port: port, eventLoopGroup: eventLoopGroup,
            connection: NBDConnection(
                volumes: volumes, resolve: Self.resolver(exports: exports, volumes: volumes, logger: logger),
                list: Self.lister(exports: exports, logger: logger), tls: tls, configuration: configuration,
                logger: logger),
            logger: logger)
    }

    /// Resolves through `exports`, then checks that the volume is open in `volumes`. A failing
    /// lookup is logged and treated as an unknown export.
    static func resolver(exports: some NBDExportCatalog, volumes: any VolumeBlockIO, logger: Logger)
        -> NBDExportResolver
    {
        { name, client in
            do {
                guard let export = try await exports.export(named: name, for: client) else { return nil }
                _ = try volumes.size(volumeId: export.volumeId)
                return export
            } catch {
                logger.warning("NBD export unavailable", metadata: ["nbd.export": "\(name)", "error": "\(error)"])
                return nil
            }
        }
    }

    /// Lists through `exports`; a failing listing is logged and answered empty.
    static func lister(exports: some NBDExportCatalog, logger: Logger) -> NBDExportLister {
        { client in
            do {
                return try await exports.exportNames(for: client)
            } catch {
                logger.warning("NBD export listing failed", metadata: ["error": "\(error)"])
                return []
            }
        }
    }

    /// Serves until graceful shutdown (or cancellation).
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await listener.run()
        } onGracefulShutdown: {
            listener.shutdown()
        }
    }

    /// The port the service is bound to, once it is (useful with port 0); nil if binding failed.
    public func boundPort() async -> Int? {
        await listener.boundPort()
    }
}

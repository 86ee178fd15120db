import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import VolumeStoreLocal

/// The NBD server as a service: serves every volume the `exports` closure resolves, by volume
/// id, over the Network Block Device protocol (fixed newstyle, NOTLS). See docs/nbd.md.
///
/// Graceful shutdown stops accepting connections, lets each connection answer the requests
/// it already received, and returns when all are closed.
public struct NBDService: Service {
    private let listener: NBDListener

    /// Creates the service. `exports` maps an export name (a volume id) to the export, or nil
    /// if it must not be opened; the volume must also be open in `volumes`.
    public init(
        host: String, port: Int, volumes: LocalVolumeStore,
        exports: @escaping @Sendable (String) async throws -> NBDExport?, logger: Logger,
        configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        let resolve = Self.resolver(exports: exports, volumes: volumes, logger: logger)
        listener = NBDListener(
            host: host, port: port, eventLoopGroup: eventLoopGroup,
            connection: NBDConnection(volumes: volumes, resolve: resolve, configuration: configuration, logger: logger),
            logger: logger)
    }

    /// Resolves through `exports`, then checks that the volume is open in `volumes` (its data
    /// is on this node). A failing lookup is logged and treated as an unknown export.
    static func resolver(
        exports: @escaping @Sendable (String) async throws -> NBDExport?, volumes: LocalVolumeStore, logger: Logger
    ) -> NBDExportResolver {
        { name in
            do {
                guard let export = try await exports(name) else { return nil }
                _ = try volumes.size(volumeId: export.volumeId)
                return export
            } catch {
                logger.warning("NBD export unavailable", metadata: ["nbd.export": "\(name)", "error": "\(error)"])
                return nil
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

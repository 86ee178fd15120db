import Foundation
import Logging
import NIOCore
import NIOPosix

/// The listening socket and its connections. Each connection runs in its own child task of a
/// discarding task group, so one bad connection never affects the listener or the others.
///
/// Graceful shutdown (`shutdown()`): the listening socket closes, and every connection stops
/// reading requests (its input side is closed), answers the requests it already admitted and
/// closes. `run()` returns when the last connection has closed.
final class NBDListener: Sendable {
    /// The address to bind.
    let host: String
    /// The port to bind (0: any free port; see `boundPort()`).
    let port: Int
    /// Event loops for the sockets; no store work runs on them.
    let eventLoopGroup: any EventLoopGroup
    /// Serves each connection.
    let connection: NBDConnection
    /// The server's logger.
    let logger: Logger

    private let state = LockedState()
    /// Fired once the socket is bound (or binding failed).
    private let bound = NBDSignal()

    /// Creates a listener; nothing is bound until `run()`.
    init(host: String, port: Int, eventLoopGroup: any EventLoopGroup, connection: NBDConnection, logger: Logger) {
        self.host = host
        self.port = port
        self.eventLoopGroup = eventLoopGroup
        self.connection = connection
        self.logger = logger
    }

    /// The bound port, once `run()` has bound the socket; nil if binding failed.
    func boundPort() async -> Int? {
        await bound.wait()
        return state.withLock { $0.boundPort }
    }

    /// Binds, accepts and serves connections until `shutdown()` (then drains them) or until the
    /// listening socket fails.
    func run() async throws {
        let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        do {
            server = try await ServerBootstrap(group: eventLoopGroup)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: host, port: port) {
                    [replyWriteTimeout = connection.configuration.replyWriteTimeout, logger = connection.logger] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            StalledReaderCloser(timeout: replyWriteTimeout, logger: logger))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            bound.fire()
            throw error
        }
        let port = server.channel.localAddress?.port
        let open = state.withLock { state -> Bool in
            state.boundPort = port
            state.listener = server.channel
            return !state.shuttingDown
        }
        bound.fire()
        if !open { server.channel.close(promise: nil) }
        logger.info("NBD server listening on \(host):\(port.map(String.init) ?? "?")")
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { inbound in
                for try await client in inbound {
                    group.addTask { await self.serve(client) }
                }
            }
        }
        logger.info("NBD server stopped")
    }

    /// Starts a graceful shutdown; `run()` returns once every connection has closed.
    func shutdown() {
        let (listener, connections) = state.withLock { state in
            state.shuttingDown = true
            return (state.listener, Array(state.connections.values))
        }
        listener?.close(promise: nil)
        for channel in connections { channel.close(mode: .input, promise: nil) }
    }

    private func serve(_ client: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let key = ObjectIdentifier(client.channel)
        let open = state.withLock { state -> Bool in
            state.connections[key] = client.channel
            return !state.shuttingDown
        }
        if !open { client.channel.close(mode: .input, promise: nil) }
        await connection.run(client)
        state.withLock { _ = $0.connections.removeValue(forKey: key) }
    }
}

/// The listener's mutable state behind a lock.
private final class LockedState: @unchecked Sendable {
    struct State {
        var shuttingDown = false
        var boundPort: Int?
        var listener: (any Channel)?
        var connections: [ObjectIdentifier: any Channel] = [:]
    }

    private let lock = NSLock()
    private var state = State()

    func withLock<T>(_ body: (inout State) -> T) -> T {
        lock.withLock { body(&state) }
    }
}

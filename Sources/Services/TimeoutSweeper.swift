import BlockSnapCore
import Logging
import ServiceLifecycle

/// Moves pending snapshots past their deadline to `error`, every `interval`, until shutdown.
public struct TimeoutSweeper: Service {
    /// The status message of a snapshot that timed out.
    public static let timeoutMessage = "The snapshot timed out: it was neither completed nor given a block within its Timeout."

    private let catalog: any Catalog
    private let clock: any WallClock
    private let interval: Duration
    private let logger: Logger

    /// Creates a sweeper.
    public init(catalog: any Catalog, clock: any WallClock, interval: Duration, logger: Logger) {
        self.catalog = catalog
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    /// One pass: fails every overdue pending snapshot; returns their ids.
    @discardableResult
    public func sweep() async throws -> [String] {
        var failed: [String] = []
        for snapshot in try await catalog.expiredPendingSnapshots(now: clock.now()) {
            if try await catalog.failSnapshot(id: snapshot.id, message: Self.timeoutMessage) {
                logger.info("snapshot timed out", metadata: ["snapshot.id": "\(snapshot.id)"])
                failed.append(snapshot.id)
            }
        }
        return failed
    }

    public func run() async throws {
        // Graceful shutdown cancels the loop, which also ends the sleep at once.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await sweep()
                } catch {
                    logger.error("timeout sweep failed", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}

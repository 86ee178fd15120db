import BlockEngine
import BlockSnapCore
import Logging
import ServiceLifecycle

/// Runs the garbage collector when asked (after snapshots are deleted) and every `interval`,
/// one run at a time; requests made during a run coalesce into one more run.
public final class GarbageCollectionService: Service, Sendable {
    private let collector: GarbageCollector
    private let interval: Duration
    private let logger: Logger
    private let requests: AsyncStream<Void>
    private let request: AsyncStream<Void>.Continuation

    /// Creates the service.
    public init(collector: GarbageCollector, interval: Duration, logger: Logger) {
        self.collector = collector
        self.interval = interval
        self.logger = logger
        (requests, request) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a collection soon.
    public func requestCollection() {
        request.yield()
    }

    public func run() async throws {
        let periodic = Task { [request, interval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                request.yield()
            }
        }
        defer { periodic.cancel() }
        await cancelWhenGracefulShutdown {
            for await _ in self.requests {
                do {
                    let report = try await self.collector.collect()
                    if report.deletedBlocks + report.deletedNodes > 0 {
                        self.logger.info(
                            "garbage collected",
                            metadata: [
                                "blocks.deleted": "\(report.deletedBlocks)", "nodes.deleted": "\(report.deletedNodes)",
                                "blocks.live": "\(report.liveBlocks)",
                            ])
                    }
                } catch {
                    self.logger.error("garbage collection failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}

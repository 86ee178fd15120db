import BlockEngine
import BlockSnapCore
import Foundation
import Logging
import Services
import VolumeStoreLocal

/// The EC2 services over the real catalog, object store and local volume store of a
/// `ServiceHarness`, with the snapshot capturer running.
struct EC2Harness {
    let base: ServiceHarness
    let store: LocalVolumeStore
    let context: EC2Context
    let capturer: SnapshotCapturer
    let volumes: VolumeService
    let instances: InstanceService
    let snapshots: EC2SnapshotService

    init() async throws {
        base = try await ServiceHarness()
        let maps = BlockMap(nodes: BlockMapNodes(catalog: base.catalog))
        let blocks = BlockStore(objects: base.objects)
        store = LocalVolumeStore(root: base.directory + "/volumes", blockMap: maps, blockStore: blocks, logger: Logger(label: "t"))
        context = EC2Context(
            catalog: base.catalog, blocks: blocks, maps: maps, dataPlane: store, ids: ResourceIdentifiers(),
            clock: base.clock, region: "us-east-1", tokens: TokenSigner(secret: Array(repeating: 1, count: 32)))
        capturer = SnapshotCapturer(context: context, logger: Logger(label: "t"))
        volumes = VolumeService(context: context)
        instances = InstanceService(context: context)
        snapshots = EC2SnapshotService(context: context, capturer: capturer, garbage: nil)
    }

    var owner: Account { base.owner }

    /// Runs `body` while the capturer works in the background.
    func withCapturer<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let running = Task { try await capturer.run() }
        defer { running.cancel() }
        return try await body()
    }

    /// Waits until the snapshot leaves `pending` (bounded).
    func settled(_ id: String) async throws -> SnapshotRecord {
        for _ in 0..<2000 {
            if let snapshot = try await base.catalog.snapshot(id: id), snapshot.status != .pending { return snapshot }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw ServiceError(.internalError, "snapshot \(id) stayed pending")
    }

    static func pattern(_ seed: UInt8) -> [UInt8] {
        (0..<BlockGeometry.blockSize).map { UInt8(truncatingIfNeeded: $0 / 7) &+ seed }
    }
}

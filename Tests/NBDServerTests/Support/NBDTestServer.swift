import BlockEngine
import BlockSnapCore
import BlockSnapTesting
import CatalogSQLite
import Foundation
import Logging
import NIOPosix
import ObjectStoreFS
import VolumeStoreLocal

@testable import NBDServer

/// A volume served by a test server.
struct TestExport: Sendable {
    var volumeId: String
    var sizeGiB: Int64 = 1
    var writable = true

    /// `vol-` and 17 hex digits of `n`.
    static func id(_ n: Int) -> String {
        let hex = String(n, radix: 16)
        return "vol-" + String(repeating: "0", count: max(0, 17 - hex.count)) + hex
    }
}

/// A running NBD server on a free loopback port, over a real volume store (SQLite catalog and
/// filesystem object store for base maps) in a temporary directory.
struct NBDTestServer: Sendable {
    /// Where everything lives.
    let directory: TemporaryDirectory
    /// The data plane the server serves.
    let volumes: LocalVolumeStore
    /// The listening port.
    let port: Int
    /// The listener, for shutdown tests.
    let listener: NBDListener

    /// The NBD URI of an export.
    func uri(_ export: String) -> String { "nbd://127.0.0.1:\(port)/\(export)" }

    /// A path in the temporary directory.
    func path(_ name: String) -> String { directory.appending(name) }
}

/// Runs `body` against a server serving `exports`, then shuts it down gracefully and checks
/// that it stopped.
func withNBDServer(
    _ exports: [TestExport], configuration: NBDService.Configuration = .init(), tls: NBDTLSConfiguration? = nil,
    owner: String = "000000000001", _ body: @Sendable (NBDTestServer) async throws -> Void
) async throws {
    let directory = try TemporaryDirectory(prefix: "blocksnap-nbd")
    defer { directory.remove() }
    let catalog = try SQLiteCatalog(path: directory.appending("catalog.sqlite"))
    let blockStore = BlockStore(objects: try FileSystemObjectStore(root: directory.appending("objects")))
    let blockMap = BlockMap(nodes: BlockMapNodes(catalog: catalog, capacity: 64))
    var logger = Logger(label: "nbd-tests")
    logger.logLevel = ProcessInfo.processInfo.environment["NBD_TEST_LOG"] == nil ? .warning : .trace
    let volumes = LocalVolumeStore(
        root: directory.appending("volumes"), blockMap: blockMap, blockStore: blockStore, logger: logger)
    var table: [String: NBDExport] = [:]
    for export in exports {
        try await volumes.createVolume(volumeRecord(export.volumeId, sizeGiB: export.sizeGiB))
        table[export.volumeId] = NBDExport(
            volumeId: export.volumeId, size: export.sizeGiB << 30, writable: export.writable)
    }
    let exportCatalog = StaticExports(exports: table, owner: owner)
    let listener = NBDListener(
        host: "127.0.0.1", port: 0, eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
        connection: NBDConnection(
            volumes: volumes, resolve: NBDService.resolver(exports: exportCatalog, volumes: volumes, logger: logger),
            list: NBDService.lister(exports: exportCatalog, logger: logger), tls: tls, configuration: configuration,
            logger: logger),
        logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await listener.run() }
        guard let port = await listener.boundPort() else { throw TestFailure("the listener did not bind") }
        do {
            try await body(NBDTestServer(directory: directory, volumes: volumes, port: port, listener: listener))
        } catch {
            listener.shutdown()
            throw error
        }
        listener.shutdown()
        try await group.waitForAll()
    }
    try await volumes.closeAll()
}

/// A fixed table of exports, all owned by one account: open to plain clients and to TLS clients
/// of `owner`.
struct StaticExports: NBDExportCatalog {
    let exports: [String: NBDExport]
    let owner: String

    func export(named name: String, for client: NBDClient) async throws -> NBDExport? {
        client == .local || client == .account(owner) ? exports[name] : nil
    }

    func exportNames(for client: NBDClient) async throws -> [String] {
        client == .local || client == .account(owner) ? exports.keys.sorted() : []
    }
}

/// A volume record as the catalog would hold it.
func volumeRecord(_ id: String, sizeGiB: Int64) -> VolumeRecord {
    VolumeRecord(
        id: id, ownerId: "000000000001", sizeGiB: sizeGiB, availabilityZone: "local-1a", volumeType: "gp3", iops: nil,
        throughput: nil, state: .available, snapshotId: nil, createTime: Date(timeIntervalSince1970: 0),
        encrypted: false, kmsKeyId: nil, tags: [], attachment: nil, baseRoot: nil, lastSnapshotId: nil,
        lineageId: "lineage-\(id)", clientToken: nil)
}

/// A failed test precondition.
struct TestFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}

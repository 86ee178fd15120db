import APIServer
import BlockEngine
import BlockSnapCore
import BlockingIO
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import NBDServer
import Services
import VolumeStoreLocal

/// Wires the embedded adapters, the services and the front ends together and runs them.
struct Server {
    let configuration: ServerConfiguration

    func run() async throws {
        let logger = {
            var logger = Logger(label: "blocksnap")
            logger.logLevel = .info
            return logger
        }()
        let storage = try Storage.openEmbedded(dataDirectory: configuration.dataDirectory)
        let clock: any WallClock = configuration.clockOffsetFile.map { OffsetFileClock(path: $0) } ?? SystemWallClock()
        let ids = ResourceIdentifiers()
        let accounts = AccountService(catalog: storage.catalog, ids: ids, clock: clock)
        try await bootstrapRoot(accounts, logger: logger)

        let tokens = TokenSigner(secret: try await storage.catalog.setSettingIfAbsent("token-secret", ids.secret(32)))
        let maps = BlockMap(nodes: BlockMapNodes(catalog: storage.catalog))
        let blocks = BlockStore(objects: storage.objects)
        let ebs = EBSSnapshotService(
            catalog: storage.catalog, blocks: blocks, maps: maps, tokens: tokens, ids: ids, clock: clock)
        let volumeStore = try await openVolumeStore(storage, maps: maps, blocks: blocks, logger: logger)
        let ec2Context = EC2Context(
            catalog: storage.catalog, blocks: blocks, maps: maps, dataPlane: volumeStore, ids: ids, clock: clock,
            region: configuration.region, tokens: tokens)
        let capturer = SnapshotCapturer(
            context: ec2Context, logger: logger,
            background: BackgroundCPUExecutor(label: "blocksnap.capture", threads: SnapshotCapturer.blocksInFlight))
        // Before the listeners start: a snapshot created from now on must not count as interrupted.
        try await capturer.failInterrupted()
        try await ec2Context.retirement.removeLeftovers()  // volumes deleted while those were pending
        let garbage = GarbageCollectionService(
            collector: GarbageCollector(catalog: storage.catalog, blocks: blocks, nodes: maps.nodes),
            interval: .seconds(3600), logger: logger)
        let ec2 = EC2FrontEnd(
            volumes: VolumeService(context: ec2Context), instances: InstanceService(context: ec2Context),
            snapshots: EC2SnapshotService(context: ec2Context, capturer: capturer, garbage: garbage), tags: TagService(context: ec2Context),
            logger: logger)
        let responder = BlockSnapResponder(
            frontEnds: [EBSFrontEnd(service: ebs, logger: logger), ec2], accounts: accounts, clock: clock,
            region: configuration.region)
        let sweeper = TimeoutSweeper(
            catalog: storage.catalog, clock: clock, interval: configuration.sweepInterval, logger: logger)
        // Graceful shutdown runs in reverse order: the volume closer goes first in the list so
        // that it runs last, after NBD and the API have stopped.
        var services: [any Service] = [VolumeStoreCloser(store: volumeStore, logger: logger), sweeper, capturer, garbage]
        if let nbd = configuration.nbd {
            services.append(
                NBDService(
                    host: nbd.host, port: nbd.port, volumes: volumeStore, exports: VolumeExports(catalog: storage.catalog),
                    tls: try nbdTLS(), logger: logger))
            let mode = configuration.nbdTLSHostNames == nil ? "plain" : "TLS required, CA in \(configuration.nbdTLSDirectory)"
            logger.info("NBD listening on \(nbd.host):\(nbd.port) (export name = volume id; \(mode))")
        }
        let address = "http://\(configuration.host):\(configuration.port)"
        let app = Application(
            responder: responder,
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [RequestBodyDeadline(limit: configuration.requestBodyTimeout)],
                    idleTimeout: .seconds(120))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "blocksnap"),
            services: services,
            onServerRunning: { _ in
                logger.info("blocksnap listening on \(address) (region \(configuration.region), data \(configuration.dataDirectory))")
            },
            logger: logger)
        // A client that never finishes its request (a body trickled in, replies never read)
        // must not hold a SIGTERM off for ever: past the grace period the rest is cancelled;
        // the volume closer still closes every volume (see `VolumeStoreCloser`).
        var group = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = configuration.shutdownGrace
        do {
            try await ServiceGroup(configuration: group).run()
        } catch is CancellationError {
            logger.warning(
                "shutdown took longer than \(configuration.shutdownGrace): requests still in flight were cancelled")
        }
    }

    /// The NBD listener's TLS configuration when `--nbd-tls` is on: the data directory's CA
    /// (created on first use) and a server certificate for the configured host names, issued
    /// afresh at every start.
    private func nbdTLS() throws -> NBDTLSConfiguration? {
        guard let hostNames = configuration.nbdTLSHostNames else { return nil }
        let authority = try NBDCertificateAuthority.openOrCreate(directory: configuration.nbdTLSDirectory)
        let server = try authority.issueServerCertificate(hostNames: hostNames)
        return try NBDTLSConfiguration(
            caCertificatePEM: authority.certificatePEM, serverCertificatePEM: server.certificatePEM,
            serverKeyPEM: server.keyPEM)
    }

    /// The node's volume data under `DATA_DIR/volumes`, with every existing volume reopened.
    private func openVolumeStore(_ storage: Storage, maps: BlockMap, blocks: BlockStore, logger: Logger) async throws
        -> LocalVolumeStore
    {
        let store = LocalVolumeStore(
            root: configuration.dataDirectory + "/volumes", blockMap: maps, blockStore: blocks, logger: logger,
            configuration: .init(retainedPreservationBytes: configuration.retainedPreservationBytes))
        var known = Set<String>()
        for account in try await storage.catalog.accounts() {
            for volume in try await storage.catalog.volumes(ownerId: account.id, ids: nil) {
                known.insert(volume.id)
                do {
                    try await store.open(volume)
                } catch let error as VolumeStoreError where error.code == .unknownVolume {
                    // A crash between the catalog row and the local files: start the volume afresh.
                    logger.warning("volume had no local data; recreating", metadata: ["volume.id": "\(volume.id)"])
                    try await store.createVolume(volume)
                }
            }
        }
        for orphan in try await store.storedVolumeIds() where !known.contains(orphan) {
            logger.warning("removing local data of a volume the catalog doesn't know", metadata: ["volume.id": "\(orphan)"])
            try await store.deleteVolume(orphan)
        }
        return store
    }

    private func bootstrapRoot(_ accounts: AccountService, logger: Logger) async throws {
        let (account, created) = try await accounts.bootstrapRoot(keys: configuration.rootKeys)
        let path = configuration.credentialsPath
        if let created, configuration.rootKeys == nil {
            try CredentialsFile.write(created, to: path)
            logger.info("created root account \(account.id); its keys are in \(path) (profile blocksnap)")
        } else if created != nil {
            logger.info("created root account \(account.id) with the keys from the environment")
        } else if FileManager.default.fileExists(atPath: path) {
            logger.info("root account \(account.id); keys in \(path) (profile blocksnap)")
        }
    }
}

/// Writes the AWS credentials-file form of a key, readable only by the owner.
enum CredentialsFile {
    static func write(_ key: AccessKey, to path: String) throws {
        let text = """
            [blocksnap]
            aws_access_key_id = \(key.accessKeyId)
            aws_secret_access_key = \(key.secretAccessKey)

            """
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}

import APIServer
import ArgumentParser
import BlockEngine
import BlockSnapCore
import CMallocTuning
import Foundation
import Hummingbird
import Logging
import Services

/// `blocksnap serve`: every AWS service of blocksnap on one port.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the blocksnap server (EBS direct APIs) on one port.")

    @Option(help: "Directory for the catalog, the block objects and the credentials file.")
    var dataDir = "./blocksnap-data"

    @Option(help: "Address and port to listen on.")
    var listen = "127.0.0.1:8788"

    @Option(help: "Address and port for the NBD listener serving every volume (export name = volume id); 'off' to disable.")
    var nbdListen = "127.0.0.1:10809"

    @Flag(help: "Require TLS on the NBD listener (NBD_OPT_STARTTLS): each client presents a certificate from 'blocksnap account nbd-certificate' and opens only its account's volumes.")
    var nbdTLS = false

    @Option(help: "A host name or address clients use to reach the NBD listener over TLS, written into its certificate (repeatable; localhost, 127.0.0.1, ::1 and the listen host are always in).")
    var nbdTLSHostname: [String] = []

    @Option(help: "The AWS region this server answers for.")
    var region = "us-east-1"

    @Option(help: "Seconds between sweeps that fail pending snapshots past their Timeout.")
    var timeoutSweepInterval: Double = 10

    @Option(help: "Seconds a client has to send a request's whole body, from its headers on; past that the request is answered with a 400 and its connection closed.")
    var requestBodyTimeout: Int = 60

    @Option(help: "MiB of copy-before-write space each volume keeps between snapshots, so the next snapshot's copies reuse it (0 returns it all when the next snapshot starts).")
    var cowRetainMib: Int = 2048

    @Option(help: "MiB of freed memory the C library's malloc keeps for reuse per arena instead of returning it to the system at once, so buffers (NBD read replies, blocks) do not fault in fresh pages on every request (0: the C library's defaults).")
    var keepFreedMib: Int = 256

    @Option(help: ArgumentHelp("Test only: a file holding seconds to add to the clock.", visibility: .hidden))
    var clockOffsetFile: String?

    func validate() throws {
        guard ServerConfiguration.parseListen(listen) != nil else {
            throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:8788")
        }
        guard nbdListen == "off" || ServerConfiguration.parseListen(nbdListen) != nil else {
            throw ValidationError("--nbd-listen must be HOST:PORT or 'off', e.g. 127.0.0.1:10809")
        }
        if let (host, _) = ServerConfiguration.parseListen(nbdListen), !ServerConfiguration.isLoopback(host), !nbdTLS {
            throw ValidationError(
                "plain NBD has no authentication: --nbd-listen on a non-loopback address (\(host)) needs --nbd-tls")
        }
        guard nbdTLS || nbdTLSHostname.isEmpty else { throw ValidationError("--nbd-tls-hostname needs --nbd-tls") }
        guard timeoutSweepInterval > 0 else { throw ValidationError("--timeout-sweep-interval must be positive") }
        guard (1...3600).contains(requestBodyTimeout) else {
            throw ValidationError("--request-body-timeout must be between 1 and 3600 seconds")
        }
        guard (0...(1 << 30)).contains(cowRetainMib) else {
            throw ValidationError("--cow-retain-mib must be between 0 and 1073741824")
        }
        guard (0...2047).contains(keepFreedMib) else { throw ValidationError("--keep-freed-mib must be between 0 and 2047") }
    }

    func run() async throws {
        if keepFreedMib > 0 {
            // Allocations up to 4 MiB (a block, a read reply, a request body) reuse arena memory.
            _ = blocksnap_keep_freed_memory(keepFreedMib << 20, 4 << 20)
        }
        let (host, port) = ServerConfiguration.parseListen(listen)!
        let environment = ProcessInfo.processInfo.environment
        var rootKeys: (id: String, secret: String)?
        if let id = environment["BLOCKSNAP_ROOT_ACCESS_KEY_ID"], let secret = environment["BLOCKSNAP_ROOT_SECRET_ACCESS_KEY"],
            !id.isEmpty, !secret.isEmpty
        {
            rootKeys = (id, secret)
        }
        let nbd = nbdListen == "off" ? nil : ServerConfiguration.parseListen(nbdListen)
        var tlsNames: [String]?
        if nbdTLS {
            var names = ["localhost", "127.0.0.1", "::1"]
            for name in [nbd?.host].compactMap({ $0 }) + nbdTLSHostname where !names.contains(name) && name != "0.0.0.0" {
                names.append(name)
            }
            tlsNames = names
        }
        let configuration = ServerConfiguration(
            dataDirectory: dataDir, host: host, port: port, nbd: nbd, nbdTLSHostNames: tlsNames, region: region,
            sweepInterval: .milliseconds(Int64(timeoutSweepInterval * 1000)), clockOffsetFile: clockOffsetFile,
            rootKeys: rootKeys, retainedPreservationBytes: Int64(cowRetainMib) << 20,
            requestBodyTimeout: .seconds(requestBodyTimeout))
        try await Server(configuration: configuration).run()
    }
}

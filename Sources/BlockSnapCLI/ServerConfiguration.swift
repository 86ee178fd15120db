import Foundation

/// Everything `blocksnap serve` needs, validated once at the entry point and passed down.
struct ServerConfiguration: Sendable {
    /// Directory holding the catalog, the objects and the credentials file.
    var dataDirectory: String
    /// Address to bind.
    var host: String
    /// Port to bind.
    var port: Int
    /// Address and port of the NBD listener; nil turns NBD off.
    var nbd: (host: String, port: Int)?
    /// With NBD over TLS: the host names and addresses the server certificate names (clients
    /// check the one they connect to); nil for plain NBD.
    var nbdTLSHostNames: [String]?
    /// The one region this server answers for.
    var region: String
    /// How often overdue pending snapshots are failed.
    var sweepInterval: Duration
    /// Test-only: a file holding seconds added to the clock.
    var clockOffsetFile: String?
    /// Keys for the root account on first start, from the environment.
    var rootKeys: (id: String, secret: String)?
    /// Copy-before-write space each volume keeps between snapshots.
    var retainedPreservationBytes: Int64 = 2 << 30
    /// How long a SIGTERM waits for requests in flight before cancelling them.
    var shutdownGrace: Duration = .seconds(15)
    /// How long a request's body may take to arrive, from its headers to its last byte.
    var requestBodyTimeout: Duration = .seconds(60)

    var catalogPath: String { dataDirectory + "/catalog.sqlite" }
    var objectsPath: String { dataDirectory + "/objects" }
    var credentialsPath: String { dataDirectory + "/credentials" }
    var nbdTLSDirectory: String { Self.nbdTLSDirectory(dataDirectory: dataDirectory) }

    /// Where the NBD certificate authority of a data directory lives.
    static func nbdTLSDirectory(dataDirectory: String) -> String { dataDirectory + "/nbd-tls" }

    /// Whether `host` is a loopback address or name.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// Parses `host:port`.
    static func parseListen(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        let host = String(text[..<colon])
        return host.isEmpty ? nil : (host, port)
    }
}

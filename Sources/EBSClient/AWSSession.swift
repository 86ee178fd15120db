import AWSSigV4
import AsyncHTTPClient
import Foundation
import NIOCore

/// Settings shared by every call a session makes.
public struct AWSSessionConfiguration: Sendable {
    /// The key pair to sign with.
    public var credentials: SigV4Credentials
    /// The signing region.
    public var region: String
    /// HTTP/1.1 connections kept per host; size it to the transfer concurrency.
    public var maxConnectionsPerHost: Int
    /// Retries of throttled, failed and broken calls.
    public var retry: RetryPolicy
    /// Limit for establishing one connection.
    public var connectTimeout: Duration
    /// Limit for one attempt of one request, from sending to the last byte of the answer.
    public var requestTimeout: Duration

    /// Creates a configuration; defaults suit 512 KiB block transfers on an ordinary network.
    public init(
        credentials: SigV4Credentials, region: String, maxConnectionsPerHost: Int = 8, retry: RetryPolicy = .standard,
        connectTimeout: Duration = .seconds(10), requestTimeout: Duration = .seconds(120)
    ) {
        self.credentials = credentials
        self.region = region
        self.maxConnectionsPerHost = max(1, maxConnectionsPerHost)
        self.retry = retry
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
    }
}

/// One HTTP connection pool and one set of credentials, shared by the EBS and EC2 clients.
/// Call `shutdown()` once when done.
public final class AWSSession: Sendable {
    let http: HTTPClient
    let configuration: AWSSessionConfiguration
    let now: @Sendable () -> Date
    let sleep: @Sendable (Duration) async throws -> Void
    let unitRandom: @Sendable () -> Double
    /// Authorities that answered at least once (a refused connection to them is likely a restart).
    let reached = Locked<Set<String>>([])

    /// Creates a session; `now`, `sleep` and `unitRandom` are injectable for tests.
    public init(
        configuration: AWSSessionConfiguration,
        now: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        unitRandom: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.httpVersion = .http1Only
        httpConfiguration.connectionPool = .init(
            idleTimeout: .seconds(60),
            concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maxConnectionsPerHost)
        // Connection failures are retried here, with the session's policy, so they surface quickly.
        httpConfiguration.connectionPool.retryConnectionEstablishment = false
        httpConfiguration.timeout = .init(
            connect: .nanoseconds(Int64(configuration.connectTimeout.nanoseconds)),
            read: .nanoseconds(Int64(configuration.requestTimeout.nanoseconds)))
        httpConfiguration.redirectConfiguration = .disallow
        httpConfiguration.decompression = .disabled
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpConfiguration)
        self.configuration = configuration
        self.now = now
        self.sleep = sleep
        self.unitRandom = unitRandom
    }

    /// Closes every connection. The session cannot be used afterwards.
    public func shutdown() async throws {
        try await http.shutdown()
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    var nanoseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }
}

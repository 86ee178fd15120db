/// How often and after how long a failed AWS call is repeated: exponential backoff with full
/// jitter, bounded in attempts. Connection failures to an endpoint that never answered get fewer
/// attempts, so that a wrong endpoint is reported quickly.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all (first try included) for throttling, 5xx, broken connections and bad checksums.
    public var maxAttempts: Int
    /// Attempts in all when no connection can be made at all.
    public var maxConnectAttempts: Int
    /// The ceiling of the first backoff.
    public var baseDelay: Duration
    /// The largest backoff ceiling.
    public var maxDelay: Duration

    /// Creates a policy.
    public init(
        maxAttempts: Int = 8, maxConnectAttempts: Int = 3, baseDelay: Duration = .milliseconds(200),
        maxDelay: Duration = .seconds(10)
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.maxConnectAttempts = max(1, maxConnectAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Eight attempts over at most about half a minute; three for connection failures.
    public static let standard = RetryPolicy()

    /// No retries, for tests.
    public static let none = RetryPolicy(maxAttempts: 1, maxConnectAttempts: 1)

    /// Whether a call that failed with `error` on attempt `attempt` (1-based) should run again.
    /// `reachedBefore` tells whether the endpoint ever answered: then a refused connection is
    /// likely a restart and gets the full number of attempts, else it is likely a wrong endpoint.
    public func shouldRetry(_ error: AWSClientError, attempt: Int, reachedBefore: Bool = false) -> Bool {
        guard error.isRetryable else { return false }
        let limit = error.kind == .connect && !reachedBefore ? maxConnectAttempts : maxAttempts
        return attempt < limit
    }

    /// The pause after failed attempt `attempt` (1-based): `unitRandom` (in 0..<1) times
    /// `min(maxDelay, baseDelay * 2^(attempt-1))`.
    public func delay(afterAttempt attempt: Int, unitRandom: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let ceiling = min(maxDelay, baseDelay * (1 << exponent))
        let fraction = min(max(unitRandom, 0), 1)
        return ceiling * fraction
    }
}

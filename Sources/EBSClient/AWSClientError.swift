/// A failed AWS call, with what a caller needs to act on it: its kind, the AWS error code and
/// reason when the service answered, and the endpoint it was talking to.
public struct AWSClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Kind: String, Sendable, CaseIterable {
        /// The service answered with an AWS error (`code` and `message` are set).
        case service
        /// No connection could be made (refused, unknown host, connect timeout).
        case connect
        /// A connection broke or timed out in the middle of a request.
        case transport
        /// The service answered something this client cannot understand.
        case invalidResponse
        /// Data arrived that does not match its checksum or declared length.
        case integrity
    }

    /// The kind of failure.
    public var kind: Kind
    /// The AWS error code, e.g. `ValidationException`, when the service sent one.
    public var code: String?
    /// The `Reason` member of EBS errors, e.g. `INVALID_VOLUME_SIZE`.
    public var reason: String?
    /// A message for a person.
    public var message: String
    /// The HTTP status, when a response arrived.
    public var httpStatus: Int?
    /// The endpoint of the failed call, e.g. `http://127.0.0.1:8788`.
    public var endpoint: String
    /// The request id the service assigned, for support.
    public var requestId: String?

    /// Creates an error.
    public init(
        kind: Kind, code: String? = nil, reason: String? = nil, message: String, httpStatus: Int? = nil,
        endpoint: String, requestId: String? = nil
    ) {
        self.kind = kind
        self.code = code
        self.reason = reason
        self.message = message
        self.httpStatus = httpStatus
        self.endpoint = endpoint
        self.requestId = requestId
    }

    /// AWS error codes that mean the credentials themselves are missing, unknown, malformed or expired.
    public static let credentialCodes: Set<String> = [
        "UnrecognizedClientException", "InvalidSignatureException", "MissingAuthenticationTokenException",
        "IncompleteSignatureException", "ExpiredTokenException", "InvalidClientTokenId", "SignatureDoesNotMatch",
        "AuthFailure", "MissingAuthenticationToken", "ExpiredToken", "InvalidAccessKeyId", "RequestExpired",
    ]

    /// AWS error codes that ask the caller to slow down and try again.
    public static let throttlingCodes: Set<String> = [
        "RequestThrottledException", "ThrottlingException", "Throttling", "TooManyRequestsException",
        "RequestLimitExceeded", "SlowDown", "ConcurrentLimitExceededException",
        "ProvisionedThroughputExceededException",
    ]

    /// Whether the credentials are the problem (the caller should fix keys, profile or clock).
    public var isCredentialError: Bool {
        kind == .service && (code.map(Self.credentialCodes.contains) ?? false)
    }

    /// Whether repeating the same request may succeed.
    public var isRetryable: Bool {
        switch kind {
        case .connect, .transport, .integrity:
            return true
        case .invalidResponse:
            return (httpStatus ?? 0) >= 500
        case .service:
            if let code, Self.throttlingCodes.contains(code) { return true }
            guard let status = httpStatus else { return false }
            return status >= 500 || status == 429
        }
    }

    public var description: String {
        switch kind {
        case .service:
            var text = code ?? "HTTP \(httpStatus.map(String.init) ?? "?")"
            if let reason, !reason.isEmpty { text += " (\(reason))" }
            if !message.isEmpty { text += ": \(message)" }
            return text
        case .connect:
            return "cannot connect to \(endpoint): \(message)"
        case .transport:
            return "connection to \(endpoint) failed: \(message)"
        case .invalidResponse:
            let status = httpStatus.map { "HTTP \($0) " } ?? ""
            return "unexpected \(status)response from \(endpoint): \(message)"
        case .integrity:
            return "data from \(endpoint) failed verification: \(message)"
        }
    }
}

/// Why a request's signature was not accepted; `message` is worded like AWS's and safe to return to the client.
public struct SigV4Error: Error, Sendable, Equatable {
    /// The kinds of failure, each mapped by the API layer to an AWS error code and status.
    public enum Kind: Sendable, Equatable {
        /// No `Authorization` header and no `X-Amz-Signature` query parameter (AWS `MissingAuthenticationToken`).
        case missingAuthentication
        /// The signature parts are malformed or incomplete (AWS `IncompleteSignature`).
        case incompleteSignature
        /// The signature does not match, or its scope does not fit the request (AWS `SignatureDoesNotMatch`).
        case invalidSignature
        /// The request's date is outside the allowed window (AWS answers `InvalidSignatureException` / `SignatureDoesNotMatch`, "Signature expired").
        case signatureExpired
        /// The `x-amz-content-sha256` header does not match the body (AWS `XAmzContentSHA256Mismatch`).
        case payloadHashMismatch
    }

    /// What went wrong.
    public var kind: Kind
    /// A client-safe explanation in AWS's words.
    public var message: String

    /// Creates an error of `kind` with `message`.
    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }
}

extension SigV4Error {
    static let missingAuthentication = SigV4Error(kind: .missingAuthentication, message: "Missing Authentication Token")

    static let signatureMismatch = SigV4Error(
        kind: .invalidSignature,
        message: "The request signature we calculated does not match the signature you provided. "
            + "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    )

    static let payloadHashMismatch = SigV4Error(
        kind: .payloadHashMismatch,
        message: "The provided 'x-amz-content-sha256' header does not match what was computed."
    )

    static let presignedParametersMissing = incomplete(
        "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', "
            + "'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'. Re-examine the query-string parameters."
    )

    static let bothMechanisms = incomplete(
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string "
            + "parameter or the Authorization header should be specified"
    )

    static func headersNotSigned(_ names: [String]) -> SigV4Error {
        SigV4Error(
            kind: .invalidSignature,
            message: "There were headers present in the request which were not signed: \(names.joined(separator: ", ")). "
                + "With an unsigned payload (UNSIGNED-PAYLOAD), every x-amz-* header must be signed.")
    }

    static let hostNotSigned = incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")

    static func incomplete(_ message: String) -> SigV4Error {
        SigV4Error(kind: .incompleteSignature, message: message)
    }

    static func unsupportedAlgorithm(_ algorithm: String) -> SigV4Error {
        incomplete("Unsupported AWS 'algorithm': '\(algorithm)'")
    }

    static func badDate(_ text: String) -> SigV4Error {
        incomplete(
            "Date must be in ISO-8601 'basic format'. Got '\(text)'. See http://en.wikipedia.org/wiki/ISO_8601"
        )
    }

    static func badCredential(_ credential: String) -> SigV4Error {
        incomplete(
            "Credential should be scoped to a valid region, a valid service and end with 'aws4_request'. "
                + "Got '\(credential)'."
        )
    }

    static func scopeDateMismatch(scope: String, timestamp: String) -> SigV4Error {
        SigV4Error(
            kind: .invalidSignature,
            message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                + "'\(scope)' != '\(timestamp.prefix(8))', from '\(timestamp)'."
        )
    }

    static func expired(timestamp: String, limit: String, now: String) -> SigV4Error {
        SigV4Error(
            kind: .signatureExpired,
            message: "Signature expired: \(timestamp) is now earlier than \(limit) (\(now) - 15 min.)"
        )
    }

    static func notYetCurrent(timestamp: String, limit: String, now: String) -> SigV4Error {
        SigV4Error(
            kind: .signatureExpired,
            message: "Signature not yet current: \(timestamp) is still later than \(limit) (\(now) + 15 min.)"
        )
    }

    static func presignedExpired(expires: String, now: String) -> SigV4Error {
        SigV4Error(kind: .signatureExpired, message: "Request has expired (expired at \(expires), now \(now)).")
    }
}

import Crypto

/// Tasks 2 and 3 of SigV4: the credential scope, the string to sign, the signing key and the signature.
///
/// ```
/// kDate    = HMAC("AWS4" + secret, dateStamp)
/// kRegion  = HMAC(kDate, region)
/// kService = HMAC(kRegion, service)
/// kSigning = HMAC(kService, "aws4_request")
/// signature = hex(HMAC(kSigning, stringToSign))
/// ```
///
/// A key is valid for one day, region and service, so servers may cache it.
public struct SigV4SigningKey: Sendable {
    /// The derived key `kSigning`.
    let key: SymmetricKey

    /// Derives the signing key for `dateStamp` (`yyyyMMdd`), `region` and `service`.
    public init(secretAccessKey: String, dateStamp: String, region: String, service: String) {
        let secret = SymmetricKey(data: Array("AWS4\(secretAccessKey)".utf8))
        let kDate = Self.hmac(secret, dateStamp)
        let kRegion = Self.hmac(kDate, region)
        let kService = Self.hmac(kRegion, service)
        key = Self.hmac(kService, SigV4.scopeTerminator)
    }

    /// Lowercase hex HMAC-SHA256 of `stringToSign` under this key: the request signature.
    public func signature(for stringToSign: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key)
        return SigV4.hexString(mac)
    }

    /// Lowercase hex of the key bytes, for checks against published derivation examples.
    var hex: String {
        key.withUnsafeBytes { SigV4.hexString($0) }
    }

    private static func hmac(_ key: SymmetricKey, _ message: String) -> SymmetricKey {
        SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: key))
    }
}

/// The credential scope `dateStamp/region/service/aws4_request` that ties a signature to a day, region and service.
public struct SigV4Scope: Sendable, Equatable {
    /// The day, `yyyyMMdd`.
    public var dateStamp: String
    /// The region, e.g. `us-east-1`.
    public var region: String
    /// The signing name of the service, e.g. `ebs`.
    public var service: String

    /// Creates a scope from its parts.
    public init(dateStamp: String, region: String, service: String) {
        self.dateStamp = dateStamp
        self.region = region
        self.service = service
    }

    /// `dateStamp/region/service/aws4_request`.
    public var text: String { "\(dateStamp)/\(region)/\(service)/\(SigV4.scopeTerminator)" }

    /// The string to sign for a canonical request made at `timestamp` (`yyyyMMddTHHmmssZ`).
    public func stringToSign(timestamp: String, canonicalRequest: SigV4CanonicalRequest) -> String {
        [SigV4.algorithm, timestamp, text, canonicalRequest.hashHex].joined(separator: "\n")
    }
}

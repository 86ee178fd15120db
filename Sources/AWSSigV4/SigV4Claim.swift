import Foundation

/// What a request claims about its signature, parsed from the `Authorization` header or the presigned query.
///
/// A claim is not trusted until `SigV4Verifier.verify` accepts it; only `accessKeyId` may be used before
/// that, to look up the secret key.
public struct SigV4Claim: Sendable, Equatable {
    /// The access key id from the credential scope.
    public var accessKeyId: String
    /// When the request was signed (`X-Amz-Date`, else the `Date` header), whole seconds UTC.
    public var date: Date
    /// The day of the credential scope, `yyyyMMdd`; must equal the day of `date`.
    public var dateStamp: String
    /// The region of the credential scope.
    public var region: String
    /// The service signing name of the credential scope; the server dispatches on it.
    public var service: String
    /// The signed header names, in the order the client listed them.
    public var signedHeaders: [String]
    /// The hex signature the client sent.
    public var signature: String
    /// `true` for the query-string (presigned URL) form.
    public var isPresigned: Bool
    /// `X-Amz-Expires` in seconds for presigned requests, nil for header auth.
    public var expires: Int?
    /// The value of `x-amz-content-sha256` if present.
    public var payloadHashHeader: String?
    /// The session token from `X-Amz-Security-Token` (header or query), if any; checking it is the caller's job.
    public var securityToken: String?

    /// Creates a claim from its parts.
    public init(
        accessKeyId: String,
        date: Date,
        dateStamp: String,
        region: String,
        service: String,
        signedHeaders: [String],
        signature: String,
        isPresigned: Bool,
        expires: Int? = nil,
        payloadHashHeader: String? = nil,
        securityToken: String? = nil
    ) {
        self.accessKeyId = accessKeyId
        self.date = date
        self.dateStamp = dateStamp
        self.region = region
        self.service = service
        self.signedHeaders = signedHeaders
        self.signature = signature
        self.isPresigned = isPresigned
        self.expires = expires
        self.payloadHashHeader = payloadHashHeader
        self.securityToken = securityToken
    }

    /// `date` as the string-to-sign timestamp, `yyyyMMddTHHmmssZ`.
    public var timestamp: String { SigV4Timestamp.format(date) }

    /// The credential scope (day, region, service) the signature claims.
    public var scope: SigV4Scope { SigV4Scope(dateStamp: dateStamp, region: region, service: service) }
}

/// The parts of `AKID/yyyyMMdd/region/service/aws4_request`.
struct SigV4Credential {
    var accessKeyId: String
    var scope: SigV4Scope

    /// Parses a credential; every part must be non-empty, the day eight digits, the terminator `aws4_request`.
    init(parsing text: String) throws(SigV4Error) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5, parts.allSatisfy({ !$0.isEmpty }) else { throw .badCredential(text) }
        guard parts[4] == SigV4.scopeTerminator else {
            throw .incomplete("Credential should be scoped with a valid terminator: 'aws4_request', not '\(parts[4])'.")
        }
        guard parts[1].utf8.count == 8, parts[1].utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw .badCredential(text)
        }
        accessKeyId = parts[0]
        scope = SigV4Scope(dateStamp: parts[1], region: parts[2], service: parts[3])
    }
}

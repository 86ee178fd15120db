import Foundation

/// Signs requests with AWS Signature Version 4, byte for byte as botocore does for non-S3 services.
public struct SigV4Signer: Sendable {
    /// The credentials signatures are made with.
    public var credentials: SigV4Credentials
    /// The region of the credential scope, e.g. `us-east-1`.
    public var region: String
    /// The service signing name of the credential scope, e.g. `ebs`.
    public var service: String

    /// Headers botocore never signs because proxies may change them.
    static let unsignableHeaders: Set<String> = [
        "authorization", "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    /// Creates a signer for one set of credentials, region and service.
    public init(credentials: SigV4Credentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Returns the headers to add to `request` (replacing any of the same name): `X-Amz-Date`,
    /// `X-Amz-Security-Token` with a session token, `X-Amz-Content-SHA256` when `payloadHash` is
    /// `UNSIGNED-PAYLOAD`, and `Authorization`.
    ///
    /// `request.headers` must already hold `host` and any other header to sign; every header except the
    /// hop-by-hop ones and `user-agent` is signed. `payloadHash` is the hex SHA-256 of the body or
    /// `SigV4.unsignedPayload`; an `x-amz-content-sha256` header already on the request takes precedence.
    public func sign(_ request: SigV4Request, payloadHash: String, date: Date) -> [(name: String, value: String)] {
        let signing = headerSigning(request, payloadHash: payloadHash, date: date)
        let authorization =
            "\(SigV4.algorithm) Credential=\(credentials.accessKeyId)/\(signing.scope.text), "
            + "SignedHeaders=\(signing.signedHeaders.joined(separator: ";")), Signature=\(signing.signature)"
        return signing.addedHeaders + [("Authorization", authorization)]
    }

    /// Returns the query string of the presigned form of `request`: its own parameters followed by
    /// `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`,
    /// `X-Amz-Security-Token` (with a session token) and last `X-Amz-Signature`.
    ///
    /// The payload is signed as `UNSIGNED-PAYLOAD`, as S3-style presigners do.
    public func presignedQuery(_ request: SigV4Request, expires: Int, date: Date) -> String {
        presignedQuery(request, expires: expires, date: date, payloadHash: SigV4.unsignedPayload)
    }

    /// `presignedQuery` with an explicit payload hash; botocore's `SigV4QueryAuth` signs the hash of
    /// the (usually empty) body, `SigV4.emptyPayloadHash`.
    public func presignedQuery(_ request: SigV4Request, expires: Int, date: Date, payloadHash: String) -> String {
        let timestamp = SigV4Timestamp.format(date)
        let scope = SigV4Scope(dateStamp: String(timestamp.prefix(8)), region: region, service: service)
        let signedHeaders = Self.headersToSign(request.headers)
        let reserved = Set(SigV4Claim.presignedParameterNames + ["X-Amz-Security-Token"])
        var items: [String] = []
        for item in QueryString.rawItems(request.query) {
            let name = URIEncoding.decode(item.name)
            guard !reserved.contains(String(decoding: name, as: UTF8.self)) else { continue }
            items.append("\(URIEncoding.encode(name))=\(URIEncoding.encode(URIEncoding.decode(item.value)))")
        }
        var auth: [(String, String)] = [
            ("X-Amz-Algorithm", SigV4.algorithm),
            ("X-Amz-Credential", "\(credentials.accessKeyId)/\(scope.text)"),
            ("X-Amz-Date", timestamp),
            ("X-Amz-Expires", String(expires)),
            ("X-Amz-SignedHeaders", signedHeaders.joined(separator: ";")),
        ]
        if let token = credentials.sessionToken { auth.append(("X-Amz-Security-Token", token)) }
        items += auth.map { "\($0.0)=\(URIEncoding.encode($0.1.utf8))" }

        var signed = request
        signed.query = items.joined(separator: "&")
        let canonical = SigV4CanonicalRequest(
            signed,
            signedHeaders: signedHeaders,
            payloadHash: request.headerValue("x-amz-content-sha256") ?? payloadHash,
            excludingSignatureParameter: true
        )
        let signature = signingKey(dateStamp: scope.dateStamp)
            .signature(for: scope.stringToSign(timestamp: timestamp, canonicalRequest: canonical))
        return signed.query + "&X-Amz-Signature=" + signature
    }

    /// The signing key for one day of this signer's scope.
    public func signingKey(dateStamp: String) -> SigV4SigningKey {
        SigV4SigningKey(
            secretAccessKey: credentials.secretAccessKey,
            dateStamp: dateStamp,
            region: region,
            service: service
        )
    }
}

extension SigV4Signer {
    /// The intermediate results of header signing, kept apart so tests can compare each stage.
    struct HeaderSigning {
        var addedHeaders: [(name: String, value: String)]
        var scope: SigV4Scope
        var signedHeaders: [String]
        var canonicalRequest: SigV4CanonicalRequest
        var stringToSign: String
        var signature: String
    }

    /// Runs the signing stages for the `Authorization` header form.
    func headerSigning(_ request: SigV4Request, payloadHash: String, date: Date) -> HeaderSigning {
        let timestamp = SigV4Timestamp.format(date)
        let scope = SigV4Scope(dateStamp: String(timestamp.prefix(8)), region: region, service: service)
        var added: [(name: String, value: String)] = [("X-Amz-Date", timestamp)]
        if let token = credentials.sessionToken { added.append(("X-Amz-Security-Token", token)) }
        if payloadHash == SigV4.unsignedPayload { added.append(("X-Amz-Content-SHA256", SigV4.unsignedPayload)) }

        let replaced = Set(added.map { $0.name.lowercased() } + ["authorization"])
        var signing = request
        signing.headers = request.headers.filter { !replaced.contains($0.name.lowercased()) } + added
        let signedHeaders = Self.headersToSign(signing.headers)
        let canonical = SigV4CanonicalRequest(
            signing,
            signedHeaders: signedHeaders,
            payloadHash: signing.headerValue("x-amz-content-sha256") ?? payloadHash
        )
        let stringToSign = scope.stringToSign(timestamp: timestamp, canonicalRequest: canonical)
        let signature = signingKey(dateStamp: scope.dateStamp).signature(for: stringToSign)
        return HeaderSigning(
            addedHeaders: added,
            scope: scope,
            signedHeaders: signedHeaders,
            canonicalRequest: canonical,
            stringToSign: stringToSign,
            signature: signature
        )
    }

    /// The sorted, distinct, lowercase names of the headers to sign.
    static func headersToSign(_ headers: [(name: String, value: String)]) -> [String] {
        Set(headers.map { $0.name.lowercased() }).subtracting(unsignableHeaders).sorted {
            $0.utf8.lexicographicallyPrecedes($1.utf8)
        }
    }
}

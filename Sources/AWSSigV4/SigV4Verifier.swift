import Foundation

/// Checks SigV4 signatures on incoming requests, as an AWS service front end does.
///
/// ```
/// request ──parseClaim──▶ SigV4Claim ──(look up secret by claim.accessKeyId)──▶ verify ──▶ ok / SigV4Error
/// ```
public enum SigV4Verifier {
    /// Parses the signature claim of `request`.
    ///
    /// No `Authorization` header and no `X-Amz-Signature`/`X-Amz-Algorithm` query parameter is
    /// `.missingAuthentication`; a malformed header or query, a credential scope not ending in
    /// `/aws4_request`, an algorithm other than `AWS4-HMAC-SHA256`, a missing or malformed
    /// `X-Amz-Date`/`Date`, or both mechanisms at once is `.incompleteSignature`.
    public static func parseClaim(_ request: SigV4Request) throws(SigV4Error) -> SigV4Claim {
        try SigV4Claim(parsing: request)
    }

    /// Verifies `claim` (parsed from `request`) against `secretAccessKey` at the instant `now`.
    ///
    /// See `verify(_:claim:signingKey:bodySHA256Hex:now:)` for the rules.
    public static func verify(
        _ request: SigV4Request,
        claim: SigV4Claim,
        secretAccessKey: String,
        bodySHA256Hex: () -> String,
        now: Date
    ) throws(SigV4Error) {
        let key = SigV4SigningKey(
            secretAccessKey: secretAccessKey,
            dateStamp: claim.dateStamp,
            region: claim.region,
            service: claim.service
        )
        try verify(request, claim: claim, signingKey: key, bodySHA256Hex: bodySHA256Hex, now: now)
    }

    /// Verifies `claim` with a signing key already derived for the claim's scope (servers may cache keys).
    ///
    /// In order: `X-Amz-Expires` must be 1…604800 (`.incompleteSignature`); `host` must be signed
    /// (`.incompleteSignature`); the scope day must be the request's day (`.invalidSignature`); the date
    /// must be within 15 minutes of `now` for header auth, and for presigned requests not more than
    /// 15 minutes ahead nor past `date + expires` (`.signatureExpired`); the signature is recomputed and
    /// compared in constant time (`.invalidSignature`); with an unsigned payload every `x-amz-*` header
    /// present must be signed (`.invalidSignature`); last, an `x-amz-content-sha256` header other than
    /// `UNSIGNED-PAYLOAD` must equal `bodySHA256Hex()` (`.payloadHashMismatch`).
    ///
    /// The payload hash signed is the `x-amz-content-sha256` header when present; otherwise the body's
    /// hash for header auth; for presigned requests `UNSIGNED-PAYLOAD` (S3-style presigners) or the
    /// body's hash (botocore's `SigV4QueryAuth`), whichever matches.
    public static func verify(
        _ request: SigV4Request,
        claim: SigV4Claim,
        signingKey: SigV4SigningKey,
        bodySHA256Hex: () -> String,
        now: Date
    ) throws(SigV4Error) {
        if claim.isPresigned {
            let expires = claim.expires ?? 0
            guard (1...SigV4.maxPresignedExpires).contains(expires) else {
                throw .incomplete(
                    "X-Amz-Expires must be between 1 and \(SigV4.maxPresignedExpires) seconds; got '\(expires)'."
                )
            }
        }
        guard claim.signedHeaders.contains(where: { $0.lowercased() == "host" }) else { throw .hostNotSigned }
        let timestamp = claim.timestamp
        guard timestamp.hasPrefix(claim.dateStamp) else {
            throw .scopeDateMismatch(scope: claim.dateStamp, timestamp: timestamp)
        }
        try checkTime(claim, now: now)

        func matches(_ payloadHash: String) -> Bool {
            let canonical = SigV4CanonicalRequest(
                request,
                signedHeaders: claim.signedHeaders,
                payloadHash: payloadHash,
                excludingSignatureParameter: claim.isPresigned
            )
            let expected = signingKey.signature(
                for: claim.scope.stringToSign(timestamp: timestamp, canonicalRequest: canonical)
            )
            return SigV4.constantTimeEquals(expected.utf8, claim.signature.utf8)
        }
        let matched: Bool
        var payloadUnsigned = false
        if let header = claim.payloadHashHeader {
            matched = matches(header)
            payloadUnsigned = header == SigV4.unsignedPayload
        } else if claim.isPresigned {
            payloadUnsigned = matches(SigV4.unsignedPayload)
            matched = payloadUnsigned || matches(bodySHA256Hex())
        } else {
            matched = matches(bodySHA256Hex())
        }
        guard matched else { throw .signatureMismatch }
        if payloadUnsigned { try checkAmzHeadersSigned(request, claim: claim) }

        if let header = claim.payloadHashHeader, header != SigV4.unsignedPayload {
            guard header.lowercased() == bodySHA256Hex() else { throw .payloadHashMismatch }
        }
    }

    /// With an unsigned payload, the `x-amz-*` headers are what protects the body (PutSnapshotBlock's
    /// `x-amz-Checksum`), so each one present must be signed, as S3 requires: otherwise whoever alters
    /// the request in transit could replace the body and its checksum together. `x-amz-content-sha256`
    /// and `x-amz-date` are covered by the signature whether listed or not.
    static func checkAmzHeadersSigned(_ request: SigV4Request, claim: SigV4Claim) throws(SigV4Error) {
        let signed = Set(claim.signedHeaders.map { $0.lowercased() })
        var unsigned: [String] = []
        for (name, _) in request.headers {
            let lower = name.lowercased()
            guard lower.hasPrefix("x-amz-"), lower != "x-amz-content-sha256", lower != "x-amz-date",
                !signed.contains(lower), !unsigned.contains(lower)
            else { continue }
            unsigned.append(lower)
        }
        guard unsigned.isEmpty else { throw .headersNotSigned(unsigned) }
    }

    /// The clock rules: ±15 minutes for header auth; not ahead by more than 15 minutes and not past
    /// `date + expires` for presigned requests.
    /// `now` is truncated to whole seconds, the precision of SigV4 timestamps.
    static func checkTime(_ claim: SigV4Claim, now: Date) throws(SigV4Error) {
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let timestamp = claim.timestamp
        let nowText = SigV4Timestamp.format(now)
        let latest = now.addingTimeInterval(SigV4.maxClockSkew)
        if claim.date > latest {
            throw .notYetCurrent(timestamp: timestamp, limit: SigV4Timestamp.format(latest), now: nowText)
        }
        if claim.isPresigned {
            let expiry = claim.date.addingTimeInterval(TimeInterval(claim.expires ?? 0))
            if expiry < now {
                throw .presignedExpired(expires: SigV4Timestamp.format(expiry), now: nowText)
            }
        } else {
            let earliest = now.addingTimeInterval(-SigV4.maxClockSkew)
            if claim.date < earliest {
                throw .expired(timestamp: timestamp, limit: SigV4Timestamp.format(earliest), now: nowText)
            }
        }
    }
}

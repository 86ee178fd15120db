/// Task 1 of SigV4: the canonical request, built as botocore builds it for non-S3 services.
///
/// ```
/// METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n \n SignedHeaders \n PayloadHash
/// ```
public struct SigV4CanonicalRequest: Sendable, Equatable {
    /// The canonical request text.
    public var text: String

    /// Builds the canonical request of `request` over `signedHeaders` (lowercase names, in the order to sign).
    ///
    /// `excludingSignatureParameter` drops `X-Amz-Signature` from the query, as presigned requests require.
    public init(
        _ request: SigV4Request,
        signedHeaders: [String],
        payloadHash: String,
        excludingSignatureParameter: Bool = false
    ) {
        let lines = [
            request.method.uppercased(),
            Self.canonicalURI(request.path),
            Self.canonicalQuery(request.query, excludingSignatureParameter: excludingSignatureParameter),
            Self.canonicalHeaders(request, signedHeaders: signedHeaders),
            signedHeaders.joined(separator: ";"),
            payloadHash,
        ]
        text = lines.joined(separator: "\n")
    }

    /// Lowercase hex SHA-256 of the canonical request, the last line of the string to sign.
    public var hashHex: String { SigV4.sha256Hex(text) }
}

extension SigV4CanonicalRequest {
    /// The path with dot segments and empty segments removed, then every byte but unreserved and `/` encoded.
    ///
    /// The wire path is already percent-encoded, so `%` becomes `%25`: AWS double-encodes for non-S3 services.
    static func canonicalURI(_ path: String) -> String {
        URIEncoding.encode(URIEncoding.normalizePath(path).utf8, keepSlash: true)
    }

    /// Parameters decoded, re-encoded with the unreserved set, sorted by name then value.
    static func canonicalQuery(_ query: String, excludingSignatureParameter: Bool) -> String {
        var pairs: [(name: String, value: String)] = []
        for item in QueryString.rawItems(query) {
            let name = URIEncoding.decode(item.name)
            if excludingSignatureParameter, name.elementsEqual("X-Amz-Signature".utf8) { continue }
            pairs.append((URIEncoding.encode(name), URIEncoding.encode(URIEncoding.decode(item.value))))
        }
        pairs.sort { lhs, rhs in
            if lhs.name != rhs.name { return lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8) }
            return lhs.value.utf8.lexicographicallyPrecedes(rhs.value.utf8)
        }
        return pairs.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// One `name:value` line per signed header, each followed by a newline.
    ///
    /// Values of repeated headers are joined with `,` in wire order after trimming.
    static func canonicalHeaders(_ request: SigV4Request, signedHeaders: [String]) -> String {
        var text = ""
        for name in signedHeaders {
            let value = request.headerValues(name).map(trimAll).joined(separator: ",")
            text += "\(name):\(value)\n"
        }
        return text
    }

    /// Trims leading and trailing whitespace and collapses internal runs of it to one space.
    static func trimAll(_ value: String) -> String {
        value.utf8.split(whereSeparator: isWhitespace)
            .map { String(decoding: $0, as: UTF8.self) }
            .joined(separator: " ")
    }

    /// The ASCII bytes Python's `str.split()` treats as whitespace.
    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0d).contains(byte) || (0x1c...0x1f).contains(byte)
    }
}

/// A request as seen on the wire, the input to signing and verification.
///
/// `path` is the raw percent-encoded path (without the query), `query` the raw
/// query string without the leading `?`, and `headers` the header fields in
/// order, names in any case, duplicates allowed.
public struct SigV4Request: Sendable {
    /// The HTTP method, e.g. `GET`.
    public var method: String
    /// The raw percent-encoded path, e.g. `/snapshots/snap-1/blocks/5`.
    public var path: String
    /// The raw query string without `?`; empty when there is none.
    public var query: String
    /// The header fields in wire order; names are compared case-insensitively.
    public var headers: [(name: String, value: String)]

    /// Creates a request from its wire parts.
    public init(method: String, path: String, query: String, headers: [(name: String, value: String)]) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
    }
}

extension SigV4Request {
    /// All values of the header `name` (case-insensitive), in wire order.
    public func headerValues(_ name: String) -> [String] {
        let wanted = name.lowercased()
        return headers.compactMap { $0.name.lowercased() == wanted ? $0.value : nil }
    }

    /// The first value of the header `name` (case-insensitive), if any.
    public func headerValue(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// The query parameters, split on `&` and `=` and percent-decoded, in wire order.
    ///
    /// A parameter without `=` has an empty value; empty segments (`a=1&&b=2`) are skipped.
    /// `+` is kept literally: AWS signers percent-encode spaces as `%20`.
    public var decodedQueryItems: [(name: String, value: String)] {
        QueryString.rawItems(query).map {
            (URIEncoding.decodeToString($0.name), URIEncoding.decodeToString($0.value))
        }
    }
}

/// Splitting of raw query strings.
enum QueryString {
    /// Raw (still percent-encoded) name/value pairs of `query`.
    static func rawItems(_ query: String) -> [(name: Substring, value: Substring)] {
        guard !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return (pair[..<equals], pair[pair.index(after: equals)...])
            }
            return (pair[...], pair[pair.endIndex...])
        }
    }
}

/// An EC2 Query request's parameters split into `Action`, `Version` and the action's own
/// parameters.
///
/// The parameters come from a form-encoded POST body or a GET query string; both carry the
/// same names. SigV4 query-authentication parameters (`X-Amz-Algorithm`, `X-Amz-Signature`, …)
/// are checked by the signature verifier, not the action, so they are set aside here.
public struct EC2QueryEnvelope: Sendable, Equatable {
    /// The `Action` parameter, if present.
    public let action: String?
    /// The `Version` parameter, if present.
    public let version: String?
    /// The remaining parameters in request order, for `EC2QueryDecoder`.
    public let parameters: [EC2QueryParameter]

    /// Splits already-decoded parameters.
    public init(parameters all: [(name: String, value: String)]) {
        var action: String?
        var version: String?
        var parameters: [EC2QueryParameter] = []
        for (name, value) in all {
            if name == "Action" {
                if action == nil { action = value }
            } else if name == "Version" {
                if version == nil { version = value }
            } else if !Self.isAuthenticationParameter(name) {
                parameters.append(EC2QueryParameter(name: name, value: value))
            }
        }
        self.action = action
        self.version = version
        self.parameters = parameters
    }

    /// Decodes and splits an `application/x-www-form-urlencoded` body or a raw query string:
    /// `+` is a space and `%XX` a byte of UTF-8, as in HTML forms and every AWS SDK.
    public init(formEncoded raw: String) throws(EC2WireError) {
        var pairs: [(name: String, value: String)] = []
        for part in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.formDecode(pieces[0]) else { throw .malformedQueryString }
            guard let value = pieces.count > 1 ? Self.formDecode(pieces[1]) : "" else {
                throw .malformedQueryString
            }
            pairs.append((name, value))
        }
        self.init(parameters: pairs)
    }

    /// The action, or `MissingAction` when the request names none.
    public func requireAction() throws(EC2WireError) -> String {
        guard let action, !action.isEmpty else { throw .missingAction }
        return action
    }

    /// Whether `name` belongs to SigV4 query authentication rather than to the action.
    static func isAuthenticationParameter(_ name: String) -> Bool {
        name.utf8.count > 6 && name.prefix(6).lowercased() == "x-amz-"
    }

    /// One form-encoded component: `+` becomes a space, then percent-decoding.
    static func formDecode(_ text: Substring) -> String? {
        guard text.contains("+") else { return QueryString.percentDecode(text) }
        return QueryString.percentDecode(Substring(String(text.map { $0 == "+" ? " " : $0 })))
    }
}

/// One decoded request parameter (`Filter.1.Value.2` = `vol-1`).
public struct EC2QueryParameter: Sendable, Equatable {
    /// The full parameter name.
    public let name: String
    /// The decoded value.
    public let value: String

    /// A parameter.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

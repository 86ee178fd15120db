/// Where an AWS service answers: `scheme://authority[/basePath]`.
///
/// The authority is kept exactly as written so that the `Host` header that is sent and the one
/// that is signed are the same string.
public struct AWSEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// `http` or `https`.
    public var scheme: String
    /// `host[:port]`, as sent in the `Host` header.
    public var authority: String
    /// A path prefix without a trailing slash, usually empty.
    public var basePath: String

    /// Parses an endpoint URL such as `http://127.0.0.1:8788` or `https://ebs.eu-west-1.amazonaws.com/`.
    public init(parsing url: String) throws(AWSConfigurationError) {
        let text = url.trimmingWhitespace()
        guard let schemeEnd = text.range(of: "://") else { throw .invalidEndpoint(url) }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { throw .invalidEndpoint(url) }
        var rest = text[schemeEnd.upperBound...]
        if let cut = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<cut] }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = String(rest[..<slash])
        var path = String(rest[slash...])
        while path.hasSuffix("/") { path.removeLast() }
        guard !authority.isEmpty, !authority.contains("@"), !authority.contains(" ") else {
            throw .invalidEndpoint(url)
        }
        self.scheme = scheme
        self.authority = Self.dropDefaultPort(authority, scheme: scheme)
        self.basePath = path
    }

    /// The public AWS endpoint of `service` in `region`, e.g. `https://ebs.us-east-1.amazonaws.com`.
    public static func aws(service: String, region: String) -> AWSEndpoint {
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return AWSEndpoint(scheme: "https", authority: "\(service).\(region).\(suffix)", basePath: "")
    }

    /// Creates an endpoint from its parts.
    public init(scheme: String, authority: String, basePath: String) {
        self.scheme = scheme
        self.authority = authority
        self.basePath = basePath
    }

    public var description: String { "\(scheme)://\(authority)\(basePath)" }

    /// `host:80` for http and `host:443` for https are sent without the port, as HTTP clients do.
    private static func dropDefaultPort(_ authority: String, scheme: String) -> String {
        let defaultPort = scheme == "https" ? ":443" : ":80"
        if authority.hasSuffix(defaultPort) {
            return String(authority.dropLast(defaultPort.count))
        }
        return authority
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces, tabs and line breaks.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return String(self[first...last])
    }
}

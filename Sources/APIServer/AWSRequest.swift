import BlockSnapCore
import Foundation

/// An authenticated request handed to a service front end: wire parts plus the caller.
public struct AWSRequest: Sendable {
    /// HTTP method, upper case.
    public var method: String
    /// Raw path as sent (percent-encoded).
    public var rawPath: String
    /// Raw query string as sent, without `?`.
    public var rawQuery: String
    /// Decoded path segments.
    public var pathSegments: [String]
    /// Decoded query parameters, in order.
    public var query: [(name: String, value: String)]
    /// Headers with lowercased names.
    public var headers: [(name: String, value: String)]
    /// The whole body.
    public var body: [UInt8]
    /// The caller.
    public var account: Account
    /// The request id echoed in responses.
    public var requestId: String

    /// The first header with this name (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name == lower }?.value
    }

    /// The first query parameter with this name.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }
}

/// Why a request failed before reaching a service front end's operation.
public enum AuthFailure: Sendable, Equatable {
    case missingAuthentication
    case incompleteSignature(String)
    case unrecognizedClient
    case invalidSignature(String)
    case signatureExpired(String)
}

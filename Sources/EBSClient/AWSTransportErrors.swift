import AsyncHTTPClient
import Foundation
import NIOCore

/// Turns the errors of the HTTP stack into `AWSClientError`s of kind `connect` (nothing reached
/// the server) or `transport` (a request broke on the way), with a message a person understands.
enum AWSTransportErrors {
    /// The client error for a thrown transport error.
    static func classify(_ error: any Error, endpoint: AWSEndpoint) -> AWSClientError {
        let (kind, message) = describe(error)
        return AWSClientError(kind: kind, message: message, endpoint: endpoint.description)
    }

    static func describe(_ error: any Error) -> (AWSClientError.Kind, String) {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .getConnectionFromPoolTimeout: return (.connect, "connect timed out")
            case .tlsHandshakeTimeout: return (.connect, "TLS handshake timed out")
            case .readTimeout, .deadlineExceeded: return (.transport, "request timed out")
            case .writeTimeout: return (.transport, "sending timed out")
            case .remoteConnectionClosed: return (.transport, "the server closed the connection")
            default: return (.transport, "\(error)")
            }
        }
        if let error = error as? IOError {
            return (isConnectErrno(error.errnoCode) ? .connect : .transport, errnoMessage(error.errnoCode))
        }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout: return (.connect, "connect timed out")
            default: return (.transport, "the connection was closed (\(error))")
            }
        }
        // NIOConnectionError (NIOPosix) and TLS errors are not importable here; read their text.
        let text = String(describing: error)
        let typeName = String(reflecting: type(of: error))
        for (errno, name) in [
            (ECONNREFUSED, "connection refused"), (EHOSTUNREACH, "host unreachable"),
            (ENETUNREACH, "network unreachable"), (ETIMEDOUT, "connect timed out"),
        ]
        where text.contains("errno: \(errno)") || text.localizedCaseInsensitiveContains(name) {
            return (.connect, name)
        }
        if typeName.contains("NIOConnectionError") || text.contains("dnsAError") || text.contains("dnsAAAAError") {
            if text.contains("dns") { return (.connect, "cannot resolve the host name") }
            return (.connect, text)
        }
        if typeName.contains("SSL") || typeName.contains("TLS") {
            return (.connect, "TLS failed: \(text)")
        }
        return (.transport, text)
    }

    private static func isConnectErrno(_ code: Int32) -> Bool {
        [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ETIMEDOUT, EADDRNOTAVAIL].contains(code)
    }

    private static func errnoMessage(_ code: Int32) -> String {
        switch code {
        case ECONNREFUSED: return "connection refused"
        case ECONNRESET: return "connection reset by peer"
        case EPIPE: return "broken pipe"
        case ETIMEDOUT: return "connect timed out"
        case EHOSTUNREACH: return "host unreachable"
        case ENETUNREACH: return "network unreachable"
        default: return String(cString: strerror(code))
        }
    }
}

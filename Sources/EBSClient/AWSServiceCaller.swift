import AWSSigV4
import AsyncHTTPClient
import Foundation
import NIOCore

/// An HTTP method this client uses.
enum AWSMethod: String, Sendable {
    case get = "GET"
    case put = "PUT"
    case post = "POST"
}

/// One request to an AWS service, before signing.
struct AWSRequest: Sendable {
    var method: AWSMethod
    /// The path below the endpoint, percent-encoded, starting with `/`.
    var path: String
    /// Query parameters, not yet encoded, in any order.
    var query: [(name: String, value: String)] = []
    /// Headers to send and sign, besides `host`.
    var headers: [(name: String, value: String)] = []
    /// The body, if any.
    var body: ByteBuffer?
    /// The hex SHA-256 of the body, or `SigV4.unsignedPayload`.
    var payloadHash: String
}

/// A response with its body collected.
struct AWSResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: ByteBuffer

    /// The first value of header `name` (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The request id AWS services put in their answers.
    var requestId: String? { header("x-amzn-RequestId") ?? header("x-amz-request-id") }
}

/// Signs requests for one service at one endpoint, sends them over the session's pool, and
/// repeats those that may succeed on another attempt.
///
/// ```
///  request ──► sign (fresh date) ──► send ──► 2xx ──► validate ──► result
///                  ▲                   │ error/5xx/throttle/bad checksum
///                  └── sleep(backoff) ◄┘ (while the policy allows)
/// ```
struct AWSServiceCaller: Sendable {
    let session: AWSSession
    let endpoint: AWSEndpoint
    let signer: SigV4Signer
    let decodeError: @Sendable (AWSResponse, AWSEndpoint) -> AWSClientError

    init(
        session: AWSSession, endpoint: AWSEndpoint, service: String,
        decodeError: @escaping @Sendable (AWSResponse, AWSEndpoint) -> AWSClientError
    ) {
        self.session = session
        self.endpoint = endpoint
        self.signer = SigV4Signer(
            credentials: session.configuration.credentials, region: session.configuration.region, service: service)
        self.decodeError = decodeError
    }

    /// Sends `request` until it succeeds or the retry policy gives up; `validate` turns a 2xx answer
    /// into the result and may reject it with a (possibly retryable) error.
    func send<Result: Sendable>(
        _ request: AWSRequest, maxResponseBytes: Int = 1 << 20,
        validate: @Sendable (AWSResponse) throws(AWSClientError) -> Result
    ) async throws -> Result {
        var attempt = 1
        while true {
            do {
                let response = try await sendOnce(request, maxResponseBytes: maxResponseBytes)
                guard (200..<300).contains(response.status) else { throw decodeError(response, endpoint) }
                return try validate(response)
            } catch let error as AWSClientError {
                let reachedBefore = session.reached.withLock { $0.contains(endpoint.authority) }
                guard session.configuration.retry.shouldRetry(error, attempt: attempt, reachedBefore: reachedBefore)
                else { throw error }
                let pause = session.configuration.retry.delay(afterAttempt: attempt, unitRandom: session.unitRandom())
                try await session.sleep(pause)
                attempt += 1
            }
        }
    }

    /// One signed attempt; transport failures become `AWSClientError`s.
    private func sendOnce(_ request: AWSRequest, maxResponseBytes: Int) async throws -> AWSResponse {
        let path = endpoint.basePath + request.path
        let query = request.query.map { "\(AWSURIEncoding.encode($0.name))=\(AWSURIEncoding.encode($0.value))" }
            .joined(separator: "&")
        var signed = request.headers.map { (name: $0.name.lowercased(), value: $0.value) }
        signed.append((name: "host", value: endpoint.authority))
        let signing = SigV4Request(method: request.method.rawValue, path: path, query: query, headers: signed)
        let authorization = signer.sign(signing, payloadHash: request.payloadHash, date: session.now())

        var http = HTTPClientRequest(
            url: "\(endpoint.scheme)://\(endpoint.authority)\(path)\(query.isEmpty ? "" : "?" + query)")
        switch request.method {
        case .get: http.method = .GET
        case .put: http.method = .PUT
        case .post: http.method = .POST
        }
        for header in signed + authorization { http.headers.add(name: header.name, value: header.value) }
        if let body = request.body {
            http.body = .bytes(body)
        } else if request.method != .get {
            http.headers.add(name: "content-length", value: "0")
        }

        let timeout = TimeAmount.nanoseconds(Int64(session.configuration.requestTimeout.nanoseconds))
        do {
            let response = try await session.http.execute(http, deadline: .now() + timeout)
            _ = session.reached.withLock { $0.insert(endpoint.authority) }
            let body = try await response.body.collect(upTo: maxResponseBytes)
            return AWSResponse(
                status: Int(response.status.code), headers: response.headers.map { (name: $0.name, value: $0.value) },
                body: body)
        } catch let error as AWSClientError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw AWSTransportErrors.classify(error, endpoint: endpoint)
        }
    }
}

/// Percent-encoding as SigV4 canonicalises it: everything but `A-Z a-z 0-9 - _ . ~`.
enum AWSURIEncoding {
    /// `value` with every byte outside the unreserved set written as `%XX` (upper-case hex).
    static func encode(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0xF)]))
            }
        }
        return out
    }
}

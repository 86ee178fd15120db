import AWSSigV4
import AWSWire
import BlockSnapCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Services

/// The single HTTP entry point: authenticates every request with SigV4, then hands it to the
/// front end registered for the credential scope's service name.
///
///     request ─▶ parse SigV4 claim ─▶ pick front end (scope service) ─▶ read body (bounded)
///             ─▶ resolve key ─▶ verify signature ─▶ front end operation ─▶ response
public struct BlockSnapResponder: HTTPResponder {
    public typealias Context = BasicRequestContext

    private let frontEnds: [String: any ServiceFrontEnd]
    private let fallback: any ServiceFrontEnd
    private let accounts: AccountService
    private let clock: any WallClock
    private let region: String

    /// Creates the responder; the first front end also renders errors for unknown services.
    public init(frontEnds: [any ServiceFrontEnd], accounts: AccountService, clock: any WallClock, region: String) {
        precondition(!frontEnds.isEmpty, "at least one front end is needed")
        self.frontEnds = Dictionary(uniqueKeysWithValues: frontEnds.map { ($0.signingName, $0) })
        self.fallback = frontEnds[0]
        self.accounts = accounts
        self.clock = clock
        self.region = region
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let requestId = UUID().uuidString.lowercased()
        let target = request.head.path ?? "/"
        let (rawPath, rawQuery) = Self.split(target)
        var headers = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
        // HTTP/1's Host header arrives as the :authority pseudo-header; SigV4 signs it as `host`.
        if let authority = request.head.authority, !headers.contains(where: { $0.name == "host" }) {
            headers.append((name: "host", value: authority))
        }
        let signed = SigV4Request(method: request.method.rawValue, path: rawPath, query: rawQuery, headers: headers)

        let claim: SigV4Claim
        do {
            claim = try SigV4Verifier.parseClaim(signed)
        } catch {
            // Without a credential scope, a Query-protocol request is recognised by its Action.
            let looksLikeQuery = rawQuery.contains("Action=")
                || request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true
            let frontEnd = looksLikeQuery ? frontEnds["ec2"] ?? fallback : fallback
            return frontEnd.authFailureResponse(Self.failure(error), requestId: requestId)
        }
        guard let frontEnd = frontEnds[claim.service] else {
            return fallback.authFailureResponse(
                .incompleteSignature("Credential should be scoped to a valid service: '\(claim.service)' is not served here."),
                requestId: requestId)
        }

        guard claim.region == region else {
            return frontEnd.authFailureResponse(
                .invalidSignature("Credential should be scoped to a valid region, not '\(claim.region)'. This server serves '\(region)'."),
                requestId: requestId)
        }
        let limit = frontEnd.maxBodyBytes(method: signed.method, path: rawPath)
        let declared = request.headers[.contentLength].flatMap(Int.init)
        if let declared, declared > limit {
            return frontEnd.bodyFailureResponse(
                message: "The request body is \(declared) bytes; at most \(limit) are accepted.", requestId: requestId)
        }
        var body: [UInt8] = []
        do {
            // Straight into one array (a 512 KiB block body is copied once, not twice).
            if let declared { body.reserveCapacity(declared) }
            for try await chunk in request.body {
                guard chunk.readableBytes <= limit - body.count else { throw BodyTooLarge() }
                body.append(contentsOf: chunk.readableBytesView)
            }
        } catch let timedOut as RequestBodyTimedOut {
            return frontEnd.bodyFailureResponse(
                message: "The request body did not arrive whole within \(timedOut.seconds) seconds.", requestId: requestId)
        } catch {
            return frontEnd.bodyFailureResponse(
                message: "The request body could not be read or exceeds \(limit) bytes.", requestId: requestId)
        }

        let resolved: (AccessKey, Account)?
        do {
            resolved = try await accounts.resolve(accessKeyId: claim.accessKeyId)
        } catch {
            context.logger.error("access key lookup failed", metadata: ["error": "\(error)"])
            return Response(status: .internalServerError)
        }
        guard let (key, account) = resolved else {
            return frontEnd.authFailureResponse(.unrecognizedClient, requestId: requestId)
        }
        do {
            try SigV4Verifier.verify(
                signed, claim: claim, secretAccessKey: key.secretAccessKey,
                bodySHA256Hex: { SigV4.sha256Hex(body) }, now: clock.now())
        } catch {
            return frontEnd.authFailureResponse(Self.failure(error), requestId: requestId)
        }

        guard let query = QueryString.decode(rawQuery),
            let segments = Self.segments(rawPath)
        else {
            return frontEnd.bodyFailureResponse(message: "The request URI is not validly encoded.", requestId: requestId)
        }
        let awsRequest = AWSRequest(
            method: signed.method, rawPath: rawPath, rawQuery: rawQuery, pathSegments: segments, query: query,
            headers: headers.map { (name: $0.name.lowercased(), value: $0.value) }, body: body, account: account,
            requestId: requestId)
        return await frontEnd.handle(awsRequest)
    }

    static func split(_ target: String) -> (path: String, query: String) {
        guard let mark = target.firstIndex(of: "?") else { return (target, "") }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }

    static func segments(_ rawPath: String) -> [String]? {
        var result: [String] = []
        for part in rawPath.split(separator: "/", omittingEmptySubsequences: true) {
            guard let decoded = QueryString.percentDecode(part) else { return nil }
            result.append(decoded)
        }
        return result
    }

    static func failure(_ error: SigV4Error) -> AuthFailure {
        switch error.kind {
        case .missingAuthentication: return .missingAuthentication
        case .incompleteSignature: return .incompleteSignature(error.message)
        case .invalidSignature, .payloadHashMismatch: return .invalidSignature(error.message)
        case .signatureExpired: return .signatureExpired(error.message)
        }
    }
}

/// A request body longer than its front end accepts.
private struct BodyTooLarge: Error {}

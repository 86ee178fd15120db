import AWSSigV4
import Foundation
import NIOCore

/// A client of the EBS direct APIs (rest-json, service `ebs`), usable against blocksnap and AWS.
///
/// One file per action family: `EBSClient+Snapshots.swift` (StartSnapshot, CompleteSnapshot) and
/// `EBSClient+Blocks.swift` (PutSnapshotBlock, GetSnapshotBlock, ListSnapshotBlocks,
/// ListChangedBlocks). Every call is signed with SigV4 and retried per the session's policy.
public struct EBSClient: Sendable {
    let caller: AWSServiceCaller

    /// Creates a client for the EBS endpoint `endpoint` over `session`.
    public init(session: AWSSession, endpoint: AWSEndpoint) {
        self.caller = AWSServiceCaller(session: session, endpoint: endpoint, service: "ebs") { response, endpoint in
            AWSErrorDecoder.restJSON(
                status: response.status, errorTypeHeader: response.header("x-amzn-ErrorType"),
                body: response.body.getBytes(at: response.body.readerIndex, length: response.body.readableBytes) ?? [],
                endpoint: endpoint.description, requestId: response.requestId)
        }
    }

    /// The endpoint this client talks to.
    public var endpoint: AWSEndpoint { caller.endpoint }

    /// A JSON request with a signed payload.
    func jsonRequest(_ method: AWSMethod, path: String, body: some Encodable) throws -> AWSRequest {
        let data = try JSONEncoder().encode(body)
        let bytes = [UInt8](data)
        return AWSRequest(
            method: method, path: path, headers: [(name: "content-type", value: "application/json")],
            body: ByteBuffer(bytes: bytes), payloadHash: SigV4.sha256Hex(bytes))
    }

    /// A request without a body.
    func emptyRequest(
        _ method: AWSMethod, path: String, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = []
    ) -> AWSRequest {
        AWSRequest(method: method, path: path, query: query, headers: headers, payloadHash: SigV4.emptyPayloadHash)
    }

    /// Decodes a JSON answer, or fails with `invalidResponse`.
    func decode<Output: Decodable>(_ type: Output.Type, from response: AWSResponse) throws(AWSClientError) -> Output {
        let bytes = response.body.getBytes(at: response.body.readerIndex, length: response.body.readableBytes) ?? []
        do {
            return try JSONDecoder().decode(Output.self, from: Data(bytes))
        } catch {
            throw AWSClientError(
                kind: .invalidResponse, message: "cannot decode \(Output.self): \(AWSErrorDecoder.snippet(bytes))",
                httpStatus: response.status, endpoint: endpoint.description, requestId: response.requestId)
        }
    }

    /// A snapshot id as a path segment; ids are `snap-` and hex, anything else is encoded.
    static func segment(_ value: String) -> String {
        AWSURIEncoding.encode(value)
    }
}

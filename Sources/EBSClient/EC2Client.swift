import AWSSigV4
import Foundation
import NIOCore

/// A snapshot's state as EC2 DescribeSnapshots reports it.
public struct EC2SnapshotStatus: Sendable, Equatable {
    /// `pending`, `completed`, `error`, `recoverable` or `recovering`.
    public var state: String
    /// Progress such as `42%`, when given.
    public var progress: String?
    /// Why the snapshot failed, when it did.
    public var stateMessage: String?

    /// Parses the first snapshot of a `DescribeSnapshotsResponse`; nil when the set is empty or the
    /// document is not such a response.
    public static func parse(describeSnapshotsResponse xml: String) -> EC2SnapshotStatus? {
        guard xml.contains("DescribeSnapshotsResponse"), let set = XMLText.firstElement("snapshotSet", in: xml),
            let item = XMLText.allElements("item", in: set).first,
            let state = XMLText.firstElement("status", in: item)
        else { return nil }
        return EC2SnapshotStatus(
            state: state, progress: XMLText.firstElement("progress", in: item),
            stateMessage: XMLText.firstElement("stateMessage", in: item))
    }
}

/// The one EC2 call this client needs: DescribeSnapshots (Query protocol, service `ec2`), to learn
/// whether a snapshot is completed. The EBS direct APIs have no such call.
public struct EC2Client: Sendable {
    let caller: AWSServiceCaller

    /// Creates a client for the EC2 endpoint `endpoint` over `session`.
    public init(session: AWSSession, endpoint: AWSEndpoint) {
        self.caller = AWSServiceCaller(session: session, endpoint: endpoint, service: "ec2") { response, endpoint in
            AWSErrorDecoder.queryXML(
                status: response.status,
                body: response.body.getBytes(at: response.body.readerIndex, length: response.body.readableBytes) ?? [],
                endpoint: endpoint.description, requestId: response.requestId)
        }
    }

    /// The endpoint this client talks to.
    public var endpoint: AWSEndpoint { caller.endpoint }

    /// DescribeSnapshots for one snapshot id. Fails with `invalidResponse` when the endpoint answers
    /// 2xx with something that is not a DescribeSnapshots response (e.g. a server without EC2).
    public func describeSnapshot(snapshotId: String) async throws -> EC2SnapshotStatus {
        let form = [("Action", "DescribeSnapshots"), ("SnapshotId.1", snapshotId), ("Version", "2016-11-15")]
            .map { "\(AWSURIEncoding.encode($0.0))=\(AWSURIEncoding.encode($0.1))" }.joined(separator: "&")
        let bytes = Array(form.utf8)
        let request = AWSRequest(
            method: .post, path: "/",
            headers: [(name: "content-type", value: "application/x-www-form-urlencoded; charset=utf-8")],
            body: ByteBuffer(bytes: bytes), payloadHash: SigV4.sha256Hex(bytes))
        let endpoint = endpoint.description
        return try await caller.send(request) { response throws(AWSClientError) in
            let body = response.body.getBytes(at: response.body.readerIndex, length: response.body.readableBytes) ?? []
            let text = String(decoding: body, as: UTF8.self)
            if let status = EC2SnapshotStatus.parse(describeSnapshotsResponse: text) { return status }
            if text.contains("DescribeSnapshotsResponse") {
                throw AWSClientError(
                    kind: .service, code: "InvalidSnapshot.NotFound",
                    message: "DescribeSnapshots returned no snapshot \(snapshotId)", httpStatus: response.status,
                    endpoint: endpoint, requestId: response.requestId)
            }
            throw AWSClientError(
                kind: .invalidResponse, message: "not a DescribeSnapshots response: \(AWSErrorDecoder.snippet(body))",
                httpStatus: response.status, endpoint: endpoint, requestId: response.requestId)
        }
    }
}

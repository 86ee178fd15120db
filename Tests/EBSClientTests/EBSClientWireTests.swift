import AWSSigV4
import Foundation
import NIOCore
import Testing

@testable import EBSClient

@Suite("EBS client on the wire (against a fake server)")
struct EBSClientWireTests {
    static let credentials = SigV4Credentials(
        accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let fixedDate = Date(timeIntervalSince1970: 1_700_000_000)

    final class Sleeps: @unchecked Sendable {
        let lock = NSLock()
        var durations: [Duration] = []
    }

    static func client(_ server: FakeHTTPServer, sleeps: Sleeps) -> (AWSSession, EBSClient) {
        let session = AWSSession(
            configuration: AWSSessionConfiguration(
                credentials: credentials, region: "us-east-1", maxConnectionsPerHost: 2),
            now: { fixedDate }, sleep: { d in sleeps.lock.withLock { sleeps.durations.append(d) } }, unitRandom: { 1 })
        let endpoint = try! AWSEndpoint(parsing: "http://127.0.0.1:\(server.port)")
        return (session, EBSClient(session: session, endpoint: endpoint))
    }

    @Test func startSnapshotIsSignedAndRetriedAfterThrottling() async throws {
        let server = try FakeHTTPServer(responses: [
            .init(
                status: 400, headers: [("x-amzn-ErrorType", "RequestThrottledException")],
                body: Array(#"{"Message":"slow down","Reason":"ACCOUNT_THROTTLED"}"#.utf8)),
            .init(status: 503, body: Array("busy".utf8)),
            .init(
                status: 201,
                body: Array(#"{"SnapshotId":"snap-1","Status":"pending","BlockSize":524288,"VolumeSize":2}"#.utf8)),
        ])
        defer { server.close() }
        let sleeps = Sleeps()
        let (session, ebs) = Self.client(server, sleeps: sleeps)
        let output = try await ebs.startSnapshot(
            StartSnapshotInput(volumeSize: 2, description: "d", clientToken: "tok"))
        try await session.shutdown()
        #expect(output.snapshotId == "snap-1" && output.blockSize == 524288)
        #expect(sleeps.durations == [.milliseconds(200), .milliseconds(400)])
        let requests = server.requests
        #expect(requests.count == 3)
        let first = requests[0]
        #expect(first.method == "POST" && first.target == "/snapshots")
        let json = try JSONSerialization.jsonObject(with: Data(first.body)) as? [String: Any]
        #expect(
            json?["VolumeSize"] as? Int == 2 && json?["ClientToken"] as? String == "tok"
                && json?["Description"] as? String == "d")
        // The request verifies as the server would verify it.
        let signed = SigV4Request(method: first.method, path: "/snapshots", query: "", headers: first.headers)
        let claim = try SigV4Verifier.parseClaim(signed)
        #expect(claim.service == "ebs" && claim.region == "us-east-1")
        try SigV4Verifier.verify(
            signed, claim: claim, secretAccessKey: Self.credentials.secretAccessKey,
            bodySHA256Hex: { SigV4.sha256Hex(first.body) }, now: Self.fixedDate)
    }

    @Test func validationErrorsAreNotRetried() async throws {
        let server = try FakeHTTPServer(responses: [
            .init(
                status: 400, headers: [("x-amzn-ErrorType", "ValidationException:http://internal")],
                body: Array(#"{"Message":"bad size","Reason":"INVALID_VOLUME_SIZE"}"#.utf8))
        ])
        defer { server.close() }
        let sleeps = Sleeps()
        let (session, ebs) = Self.client(server, sleeps: sleeps)
        await #expect(throws: AWSClientError.self) { try await ebs.startSnapshot(StartSnapshotInput(volumeSize: 0)) }
        do {
            _ = try await ebs.startSnapshot(StartSnapshotInput(volumeSize: 0))
        } catch let error as AWSClientError {
            #expect(error.kind == .invalidResponse)  // the queue is empty: a bare 500, retried until the budget ends
        }
        try await session.shutdown()
        #expect(server.requests.count == 1 + 8)
    }

    @Test func putAndGetBlocksCarryChecksums() async throws {
        let block = ByteBuffer(repeating: 7, count: EBSBlocks.blockSize)
        let digest = block.withUnsafeReadableBytes { BlockDigest(hashing: $0) }
        let wrong = EBSBlocks.zeroBlockDigest
        let server = try FakeHTTPServer(responses: [
            .init(status: 201, headers: [("x-amz-Checksum", digest.base64), ("x-amz-Checksum-Algorithm", "SHA256")]),
            // First answer corrupted in transit, then the right one.
            .init(
                status: 200, headers: [("x-amz-Checksum", wrong.base64), ("x-amz-Data-Length", "524288")],
                body: Array(block.readableBytesView)),
            .init(
                status: 200,
                headers: [
                    ("x-amz-Checksum", digest.base64), ("x-amz-Data-Length", "524288"),
                    ("x-amz-Checksum-Algorithm", "SHA256"),
                ], body: Array(block.readableBytesView)),
        ])
        defer { server.close() }
        let sleeps = Sleeps()
        let (session, ebs) = Self.client(server, sleeps: sleeps)
        try await ebs.putSnapshotBlock(snapshotId: "snap-1", blockIndex: 5, data: block, digest: digest, progress: 42)
        let fetched = try await ebs.getSnapshotBlock(snapshotId: "snap-1", blockIndex: 5, blockToken: "a+b/c=")
        try await session.shutdown()
        #expect(fetched.digest == digest && fetched.data == block)
        let put = server.requests[0]
        func header(_ r: FakeHTTPServer.Request, _ n: String) -> String? {
            r.headers.first { $0.name.lowercased() == n }?.value
        }
        #expect(put.method == "PUT" && put.target == "/snapshots/snap-1/blocks/5")
        #expect(header(put, "x-amz-checksum") == digest.base64)
        #expect(header(put, "x-amz-checksum-algorithm") == "SHA256")
        #expect(header(put, "x-amz-data-length") == "524288")
        #expect(header(put, "x-amz-progress") == "42")
        #expect(header(put, "x-amz-content-sha256") == "UNSIGNED-PAYLOAD")
        #expect(put.body.count == EBSBlocks.blockSize)
        #expect(server.requests[1].target == "/snapshots/snap-1/blocks/5?blockToken=a%2Bb%2Fc%3D")
        #expect(server.requests.count == 3)
        #expect(sleeps.durations.count == 1)
    }

    @Test func refusedConnectionsFailFast() async throws {
        let server = try FakeHTTPServer(responses: [])
        server.close()
        let sleeps = Sleeps()
        let (session, ebs) = Self.client(server, sleeps: sleeps)
        do {
            _ = try await ebs.listSnapshotBlocks(snapshotId: "snap-1")
            Issue.record("expected a failure")
        } catch let error as AWSClientError {
            #expect(error.kind == .connect)
            #expect(error.description.contains("connection refused"))
        }
        try await session.shutdown()
        #expect(sleeps.durations.count == RetryPolicy.standard.maxConnectAttempts - 1)
    }
}

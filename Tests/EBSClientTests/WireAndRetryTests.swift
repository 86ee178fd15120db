import Foundation
import Testing

@testable import EBSClient

@Suite("Errors, retries, work lists")
struct WireAndRetryTests {
    @Test func restJSONErrors() {
        let body = Array(#"{"Message":"The volume size is invalid.","Reason":"INVALID_VOLUME_SIZE"}"#.utf8)
        let error = AWSErrorDecoder.restJSON(
            status: 400,
            errorTypeHeader: "ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/",
            body: body, endpoint: "http://e", requestId: "r1")
        #expect(error.kind == .service)
        #expect(error.code == "ValidationException")
        #expect(error.reason == "INVALID_VOLUME_SIZE")
        #expect(error.description == "ValidationException (INVALID_VOLUME_SIZE): The volume size is invalid.")
        #expect(!error.isRetryable && !error.isCredentialError)

        let typed = AWSErrorDecoder.restJSON(
            status: 403, errorTypeHeader: nil,
            body: Array(#"{"__type":"com.amazon#UnrecognizedClientException","message":"bad key"}"#.utf8),
            endpoint: "http://e", requestId: nil)
        #expect(typed.code == "UnrecognizedClientException" && typed.message == "bad key" && typed.isCredentialError)

        let html = AWSErrorDecoder.restJSON(
            status: 502, errorTypeHeader: nil, body: Array("<html>bad gateway</html>".utf8), endpoint: "http://e",
            requestId: nil)
        #expect(html.kind == .invalidResponse && html.isRetryable)
        let notFound = AWSErrorDecoder.restJSON(
            status: 404, errorTypeHeader: nil, body: [], endpoint: "http://e", requestId: nil)
        #expect(notFound.kind == .invalidResponse && !notFound.isRetryable)
        #expect(notFound.description == "unexpected HTTP 404 response from http://e: empty body")
    }

    @Test func retryableServiceErrors() {
        func error(_ code: String, _ status: Int) -> AWSClientError {
            AWSClientError(kind: .service, code: code, message: "", httpStatus: status, endpoint: "e")
        }
        #expect(error("RequestThrottledException", 400).isRetryable)
        #expect(error("InternalServerException", 500).isRetryable)
        #expect(error("Anything", 503).isRetryable)
        #expect(!error("ResourceNotFoundException", 404).isRetryable)
        #expect(!error("AccessDeniedException", 403).isCredentialError)
        #expect(error("InvalidSignatureException", 403).isCredentialError)
        #expect(
            AWSClientError(kind: .connect, message: "connection refused", endpoint: "http://h:1").description
                == "cannot connect to http://h:1: connection refused")
    }

    @Test func queryXMLErrorsAndStatus() {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Response><Errors><Error><Code>InvalidSnapshot.NotFound</Code><Message>The snapshot &apos;snap-1&apos; does not exist.</Message></Error></Errors><RequestID>abc</RequestID></Response>
            """
        let error = AWSErrorDecoder.queryXML(status: 400, body: Array(xml.utf8), endpoint: "e", requestId: nil)
        #expect(error.code == "InvalidSnapshot.NotFound")
        #expect(error.message == "The snapshot 'snap-1' does not exist.")
        #expect(error.requestId == "abc")

        let ok = """
            <DescribeSnapshotsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>
            <snapshotSet><item><snapshotId>snap-1</snapshotId><volumeId>vol-1</volumeId><status>pending</status>
            <startTime>2024-01-01T00:00:00.000Z</startTime><progress>42%</progress><ownerId>123456789012</ownerId>
            <volumeSize>4</volumeSize><description/><encrypted>false</encrypted></item></snapshotSet></DescribeSnapshotsResponse>
            """
        #expect(
            EC2SnapshotStatus.parse(describeSnapshotsResponse: ok)
                == EC2SnapshotStatus(state: "pending", progress: "42%", stateMessage: nil))
        #expect(
            EC2SnapshotStatus.parse(
                describeSnapshotsResponse: "<DescribeSnapshotsResponse><snapshotSet/></DescribeSnapshotsResponse>")
                == nil)
        #expect(EC2SnapshotStatus.parse(describeSnapshotsResponse: "{}") == nil)
    }

    @Test func retryPolicy() {
        let policy = RetryPolicy(
            maxAttempts: 4, maxConnectAttempts: 2, baseDelay: .milliseconds(100), maxDelay: .milliseconds(500))
        let throttled = AWSClientError(
            kind: .service, code: "RequestThrottledException", message: "", httpStatus: 400, endpoint: "e")
        let refused = AWSClientError(kind: .connect, message: "connection refused", endpoint: "e")
        let invalid = AWSClientError(
            kind: .service, code: "ValidationException", message: "", httpStatus: 400, endpoint: "e")
        #expect(policy.shouldRetry(throttled, attempt: 3) && !policy.shouldRetry(throttled, attempt: 4))
        #expect(policy.shouldRetry(refused, attempt: 1) && !policy.shouldRetry(refused, attempt: 2))
        // An endpoint that answered before is probably restarting: full budget.
        #expect(policy.shouldRetry(refused, attempt: 3, reachedBefore: true))
        #expect(!policy.shouldRetry(refused, attempt: 4, reachedBefore: true))
        #expect(!policy.shouldRetry(invalid, attempt: 1))
        #expect(policy.delay(afterAttempt: 1, unitRandom: 1) == .milliseconds(100))
        #expect(policy.delay(afterAttempt: 3, unitRandom: 1) == .milliseconds(400))
        #expect(policy.delay(afterAttempt: 10, unitRandom: 1) == .milliseconds(500))
        #expect(policy.delay(afterAttempt: 3, unitRandom: 0.5) == .milliseconds(200))
        #expect(policy.delay(afterAttempt: 3, unitRandom: 0) == .zero)
    }

    @Test func uriEncoding() {
        #expect(AWSURIEncoding.encode("AZaz09-_.~") == "AZaz09-_.~")
        #expect(AWSURIEncoding.encode("a+b/c=d e") == "a%2Bb%2Fc%3Dd%20e")
        #expect(AWSURIEncoding.encode("é") == "%C3%A9")
    }

    @Test func blockRanges() {
        let set = BlockRanges([5..<7, 0..<2, 1..<3, 7..<9, 20..<20])
        #expect(set.ranges == [0..<3, 5..<9])
        #expect(set.count == 7)
        #expect(BlockRanges(indexes: [9, 3, 4, 5, 4, 12]).ranges == [3..<6, 9..<10, 12..<13])
        #expect(set.union(BlockRanges(indexes: [3, 4, 30])).ranges == [0..<9, 30..<31])
        #expect(set.clamped(below: 6).ranges == [0..<3, 5..<6])
        let block = Int64(EBSBlocks.blockSize)
        #expect(BlockRanges(coveringBytes: [0..<1, block * 3 - 1..<block * 3 + 1]).ranges == [0..<1, 2..<4])
    }

    @Test func cursorHandsOutEachIndexOnce() async {
        let cursor = BlockCursor(BlockRanges([0..<1000, 5000..<6000]))
        let seen = await withTaskGroup(of: [Int64].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var mine: [Int64] = []
                    while let index = cursor.next() { mine.append(index) }
                    return mine
                }
            }
            var all: [Int64] = []
            for await part in group { all += part }
            return all
        }
        #expect(seen.count == 2000)
        #expect(Set(seen).count == 2000)
        #expect(seen.min() == 0 && seen.max() == 5999)
    }
}

import Foundation
import Testing

@testable import AWSSigV4

/// The canonicalization steps on their own; expected values are botocore's output for the same input.
@Suite("Canonicalization")
struct CanonicalizationTests {
    /// `quote(normalize_url_path(path), safe='/~')` in botocore 1.43.
    @Test(arguments: [
        ("", "/"), ("/", "/"), ("//", "/"), ("/a/b/", "/a/b/"), ("/a//b", "/a/b"), ("/a/./b/../c", "/a/c"),
        ("/..", "/"), ("/a/..", "/"), ("/a/../", "/"), ("a/b", "a/b"), ("/%2E%2E/x", "/%252E%252E/x"),
        ("/a b/\u{fc}", "/a%20b/%C3%BC"), ("/x%2Fy", "/x%252Fy"), ("/./", "/"), ("/../../a/", "/a/"),
        ("/a/b/c/../../", "/a/"), ("/snapshots/snap-0123456789abcdef0/blocks/5", "/snapshots/snap-0123456789abcdef0/blocks/5"),
    ])
    func canonicalURI(_ path: String, _ expected: String) {
        #expect(SigV4CanonicalRequest.canonicalURI(path) == expected)
    }

    @Test(arguments: [
        ("", ""),
        ("b=2&a=1", "a=1&b=2"),
        ("a=2&a=1&A=3", "A=3&a=1&a=2"),
        ("flag", "flag="),
        ("flag&x=", "flag=&x="),
        ("a=1&&b=2&", "a=1&b=2"),
        ("k=a b", "k=a%20b"),
        ("k=a+b", "k=a%2Bb"),
        ("k=a%2bb", "k=a%2Bb"),
        ("k=%7e%2D", "k=~-"),
        ("k=*!'()", "k=%2A%21%27%28%29"),
        ("k=100%", "k=100%25"),
        ("k=%zz", "k=%25zz"),
        ("%E1%88%B4=1&Param=2&Param-3=3", "%E1%88%B4=1&Param=2&Param-3=3"),
        ("\u{1234}=bar", "%E1%88%B4=bar"),
        ("k=v=w", "k=v%3Dw"),
    ])
    func canonicalQuery(_ query: String, _ expected: String) {
        #expect(SigV4CanonicalRequest.canonicalQuery(query, excludingSignatureParameter: false) == expected)
    }

    @Test func presignedQueryDropsOnlyTheSignature() {
        let query = "X-Amz-Signature=abc&x-amz-signature=keep&X-Amz-Date=20150830T123600Z"
        #expect(
            SigV4CanonicalRequest.canonicalQuery(query, excludingSignatureParameter: true)
                == "X-Amz-Date=20150830T123600Z&x-amz-signature=keep"
        )
    }

    @Test(arguments: [
        ("value", "value"), ("  value  ", "value"), ("\"a   b   c\"", "\"a b c\""), ("a\tb\n  c", "a b c"),
        ("", ""), ("   ", ""),
    ])
    func trimAll(_ value: String, _ expected: String) {
        #expect(SigV4CanonicalRequest.trimAll(value) == expected)
    }

    @Test func repeatedHeadersJoinInWireOrder() {
        let request = SigV4Request(
            method: "GET",
            path: "/",
            query: "",
            headers: [("My-Header1", "value4"), ("host", "h"), ("my-header1", " value1 "), ("MY-HEADER1", "value3")]
        )
        #expect(
            SigV4CanonicalRequest.canonicalHeaders(request, signedHeaders: ["host", "my-header1"])
                == "host:h\nmy-header1:value4,value1,value3\n"
        )
    }

    @Test func signerSkipsHopByHopHeaders() {
        let names = SigV4Signer.headersToSign([
            ("Host", "h"), ("User-Agent", "u"), ("Connection", "keep-alive"), ("Content-Type", "t"),
            ("X-Amz-Date", "d"), ("Transfer-Encoding", "chunked"), ("Expect", "100-continue"), ("host", "h2"),
        ])
        #expect(names == ["content-type", "host", "x-amz-date"])
    }

    @Test(arguments: [
        ("20150830T123600Z", 1_440_938_160.0), ("19700101T000000Z", 0), ("20240229T235959Z", 1_709_251_199),
        ("20991231T235959Z", 4_102_444_799),
    ])
    func basicTimestampRoundTrip(_ text: String, _ seconds: TimeInterval) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(SigV4Timestamp.parseBasic(text) == date)
        #expect(SigV4Timestamp.format(date) == text)
        #expect(SigV4Timestamp.format(date.addingTimeInterval(0.999)) == text)
    }

    @Test(arguments: ["20230229T000000Z", "20151330T000000Z", "2015083OT123600Z", "20150830 123600Z", "", "20150830T123660Z"])
    func invalidBasicTimestamps(_ text: String) {
        #expect(SigV4Timestamp.parseBasic(text) == nil)
    }

    @Test func decodedQueryItems() {
        let request = SigV4Request(method: "GET", path: "/", query: "a=1%2F2&flag&b=x+y&c=%E1%88%B4", headers: [])
        #expect(request.decodedQueryItems.map { "\($0.name)|\($0.value)" } == ["a|1/2", "flag|", "b|x+y", "c|\u{1234}"])
    }
}

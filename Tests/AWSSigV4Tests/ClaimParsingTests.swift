import Foundation
import Testing

@testable import AWSSigV4

/// Missing and malformed authentication: each case must map to the right error kind.
@Suite("Claim parsing")
struct ClaimParsingTests {
    static let credential = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"
    static let signature = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    static let goodAuthorization =
        "AWS4-HMAC-SHA256 Credential=\(credential), SignedHeaders=host;x-amz-date, Signature=\(signature)"

    static func request(
        authorization: String? = goodAuthorization,
        amzDate: String? = "20150830T123600Z",
        query: String = "",
        extra: [(name: String, value: String)] = []
    ) -> SigV4Request {
        var headers: [(name: String, value: String)] = [("Host", "example.amazonaws.com")]
        if let amzDate { headers.append(("X-Amz-Date", amzDate)) }
        if let authorization { headers.append(("Authorization", authorization)) }
        return SigV4Request(method: "GET", path: "/", query: query, headers: headers + extra)
    }

    static func parseError(_ request: SigV4Request) -> SigV4Error? {
        do throws(SigV4Error) {
            _ = try SigV4Verifier.parseClaim(request)
            return nil
        } catch {
            return error
        }
    }

    @Test func parsesTheSuiteAuthorization() throws {
        let claim = try SigV4Verifier.parseClaim(Self.request())
        #expect(claim.accessKeyId == "AKIDEXAMPLE")
        #expect(claim.date == Example.suiteDate)
        #expect(claim.scope == SigV4Scope(dateStamp: "20150830", region: "us-east-1", service: "service"))
        #expect(claim.signedHeaders == ["host", "x-amz-date"])
        #expect(claim.signature == Self.signature)
        #expect(!claim.isPresigned && claim.expires == nil && claim.payloadHashHeader == nil)
    }

    @Test func toleratesCommasWithoutSpaces() throws {
        let compact = "AWS4-HMAC-SHA256 Credential=\(Self.credential),SignedHeaders=host;x-amz-date,Signature=\(Self.signature)"
        let claim = try SigV4Verifier.parseClaim(Self.request(authorization: compact))
        #expect(claim.signedHeaders == ["host", "x-amz-date"])
        #expect(claim.signature == Self.signature)
    }

    @Test func fallsBackToTheDateHeader() throws {
        for date in ["Sun, 30 Aug 2015 12:36:00 GMT", "Sun, 30 Aug 2015 12:36:00 -0000"] {
            let claim = try SigV4Verifier.parseClaim(Self.request(amzDate: nil, extra: [("Date", date)]))
            #expect(claim.date == Example.suiteDate)
        }
    }

    @Test func noAuthenticationAtAll() {
        let error = Self.parseError(Self.request(authorization: nil, query: "Action=ListUsers"))
        #expect(error == SigV4Error(kind: .missingAuthentication, message: "Missing Authentication Token"))
    }

    @Test(arguments: [
        "Bearer abc",
        "AWS4-HMAC-SHA1 Credential=\(credential), SignedHeaders=host;x-amz-date, Signature=\(signature)",
        "AWS AKIDEXAMPLE:c2lnbmF0dXJl",
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 Credential=\(credential), SignedHeaders=host;x-amz-date",
        "AWS4-HMAC-SHA256 Credential=\(credential), Signature=\(signature)",
        "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=\(signature)",
        "AWS4-HMAC-SHA256 Credential=\(credential), SignedHeaders=host;x-amz-date, Signature=",
        "AWS4-HMAC-SHA256 Credential=\(credential), SignedHeaders=host;;x-amz-date, Signature=\(signature)",
        "AWS4-HMAC-SHA256 Credential=\(credential), SignedHeaders, Signature=\(signature)",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_reques, SignedHeaders=host, Signature=ab",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/aws4_request, SignedHeaders=host, Signature=ab",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2015083/us-east-1/service/aws4_request, SignedHeaders=host, Signature=ab",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830//service/aws4_request, SignedHeaders=host, Signature=ab",
        "AWS4-HMAC-SHA256 Credential=/20150830/us-east-1/service/aws4_request, SignedHeaders=host, Signature=ab",
        "AWS4-HMAC-SHA256 Credential=A/B/20150830/us-east-1/service/aws4_request, SignedHeaders=host, Signature=ab",
    ])
    func malformedAuthorization(_ authorization: String) {
        #expect(Self.parseError(Self.request(authorization: authorization))?.kind == .incompleteSignature)
    }

    @Test(arguments: [nil, "2015-08-30T12:36:00Z", "20150830T123600", "20150230T123600Z", "20150830T246000Z"])
    func missingOrMalformedDate(_ amzDate: String?) {
        #expect(Self.parseError(Self.request(amzDate: amzDate))?.kind == .incompleteSignature)
    }

    @Test func malformedDateHeader() {
        let error = Self.parseError(Self.request(amzDate: nil, extra: [("Date", "yesterday")]))
        #expect(error?.kind == .incompleteSignature)
    }

    @Test func twoAuthorizationHeaders() {
        let error = Self.parseError(Self.request(extra: [("authorization", Self.goodAuthorization)]))
        #expect(error?.kind == .incompleteSignature)
    }

    @Test func headerAndQueryAuthTogether() {
        let error = Self.parseError(Self.request(query: "X-Amz-Signature=\(Self.signature)"))
        #expect(error?.kind == .incompleteSignature)
    }

    static let presignedQuery = [
        "X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request",
        "X-Amz-Date=20150830T123600Z", "X-Amz-Expires=60", "X-Amz-SignedHeaders=host", "X-Amz-Signature=\(signature)",
    ]

    @Test func parsesAPresignedQuery() throws {
        let query = (["Action=ListUsers"] + Self.presignedQuery).joined(separator: "&")
        let claim = try SigV4Verifier.parseClaim(Self.request(authorization: nil, amzDate: nil, query: query))
        #expect(claim.isPresigned && claim.expires == 60)
        #expect(claim.accessKeyId == "AKIDEXAMPLE" && claim.region == "us-east-1" && claim.service == "service")
        #expect(claim.signedHeaders == ["host"])
        #expect(claim.date == Example.suiteDate)
    }

    @Test(arguments: 0..<6)
    func presignedParameterMissing(_ index: Int) {
        var items = Self.presignedQuery
        items.remove(at: index)
        let error = Self.parseError(Self.request(authorization: nil, query: items.joined(separator: "&")))
        #expect(error?.kind == .incompleteSignature)
    }

    @Test(arguments: [
        "X-Amz-Algorithm=AWS4-HMAC-SHA1", "X-Amz-Expires=soon", "X-Amz-Date=20150830", "X-Amz-Credential=AKIDEXAMPLE",
        "X-Amz-SignedHeaders=host%3B%3Bx-amz-date",
    ])
    func presignedParameterMalformed(_ replacement: String) {
        let name = replacement.prefix { $0 != "=" }
        let items = Self.presignedQuery.map { $0.hasPrefix(name + "=") ? replacement : $0 }
        let error = Self.parseError(Self.request(authorization: nil, query: items.joined(separator: "&")))
        #expect(error?.kind == .incompleteSignature)
    }

    @Test func presignedDuplicateParameter() {
        let query = (Self.presignedQuery + ["X-Amz-Signature=00"]).joined(separator: "&")
        #expect(Self.parseError(Self.request(authorization: nil, query: query))?.kind == .incompleteSignature)
    }

    @Test func hostMustBeSigned() throws {
        let authorization = "AWS4-HMAC-SHA256 Credential=\(Self.credential), SignedHeaders=x-amz-date, Signature=\(Self.signature)"
        let wire = WireRequest(request: Self.request(authorization: authorization), body: [])
        let error = wire.verificationError(now: Example.suiteDate)
        #expect(error?.kind == .incompleteSignature)
        #expect(error?.message == "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    }

    @Test func scopeDateMustMatchRequestDate() {
        let authorization = Self.goodAuthorization.replacingOccurrences(of: "/20150830/", with: "/20150831/")
        let wire = WireRequest(request: Self.request(authorization: authorization), body: [])
        let error = wire.verificationError(now: Example.suiteDate)
        #expect(error?.kind == .invalidSignature)
        #expect(error?.message.hasPrefix("Date in Credential scope does not match") == true)
    }
}

import Foundation
import Testing

@testable import AWSSigV4

/// One case of the AWS Signature Version 4 test suite (see Fixtures/AWSTestSuiteFixtures.swift).
struct SuiteCase: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var req: String
    var creq: String
    var sts: String
    var authz: String
    var sreq: String

    var testDescription: String { name }

    static let all: [SuiteCase] = decodeFixture(awsTestSuiteJSON, as: [SuiteCase].self) ?? []

    /// The session token the case signs with: the one in its canonical request, if any.
    var sessionToken: String? {
        creq.split(separator: "\n").first { $0.hasPrefix("x-amz-security-token:") }
            .map { String($0.dropFirst("x-amz-security-token:".count)) }
    }

    var signer: SigV4Signer {
        SigV4Signer(
            credentials: SigV4Credentials(
                accessKeyId: Example.accessKeyId,
                secretAccessKey: Example.secretAccessKey,
                sessionToken: sessionToken
            ),
            region: "us-east-1",
            service: "service"
        )
    }

    /// The request as sent: the `.req` headers, the `.authz` Authorization and any security token of `.sreq`.
    ///
    /// Built from `.req` + `.authz` rather than `.sreq` because the suite's
    /// get-vanilla-with-session-token.sreq carries get-vanilla's signature.
    var signedRequest: WireRequest {
        var wire = WireRequest(raw: req)
        let sent = WireRequest(raw: sreq)
        if wire.request.headerValue("x-amz-security-token") == nil,
            let token = sent.request.headerValue("x-amz-security-token")
        {
            wire.request.headers.append(("X-Amz-Security-Token", token))
        }
        wire.request.headers.append(("Authorization", authz))
        return wire
    }
}

/// The official AWS SigV4 test suite: every case, with botocore's (non-S3) path normalization.
///
/// No case is skipped: the normalize-path cases (`//`, `/./`, `/example/..`, `/example space/`, …) are
/// exactly what botocore produces for non-S3 services, and duplicate query keys sort by value.
@Suite("AWS SigV4 test suite")
struct AWSTestSuiteTests {
    @Test func allVectorsLoaded() {
        #expect(SuiteCase.all.count == 34)
        for required in [
            "get-vanilla", "get-vanilla-query-order-key-case", "get-utf8", "normalize-path/get-space",
            "post-x-www-form-urlencoded", "post-header-key-sort", "get-header-value-trim",
            "normalize-path/get-slashes", "normalize-path/get-relative-relative", "post-sts-token/post-sts-header-before",
        ] {
            #expect(SuiteCase.all.contains { $0.name == required }, "missing \(required)")
        }
    }

    @Test("signer: canonical request, string to sign, Authorization", arguments: SuiteCase.all)
    func signerMatches(_ vector: SuiteCase) {
        let wire = WireRequest(raw: vector.req)
        let signing = vector.signer.headerSigning(wire.request, payloadHash: wire.bodyHash, date: Example.suiteDate)
        #expect(signing.canonicalRequest.text == vector.creq)
        #expect(signing.stringToSign == vector.sts)
        let headers = vector.signer.sign(wire.request, payloadHash: wire.bodyHash, date: Example.suiteDate)
        #expect(headers.first { $0.name == "Authorization" }?.value == vector.authz)
        #expect(headers.first { $0.name == "X-Amz-Date" }?.value == "20150830T123600Z")
    }

    @Test("verifier accepts the signed request", arguments: SuiteCase.all)
    func verifierAccepts(_ vector: SuiteCase) throws {
        let wire = vector.signedRequest
        #expect(wire.verificationError(now: Example.suiteDate) == nil)
        let claim = try SigV4Verifier.parseClaim(wire.request)
        #expect(claim.accessKeyId == Example.accessKeyId)
        #expect(claim.scope == SigV4Scope(dateStamp: "20150830", region: "us-east-1", service: "service"))
        #expect(claim.timestamp == "20150830T123600Z")
        #expect(!claim.isPresigned)
    }

    @Test("verifier rejects the request signed with another secret", arguments: SuiteCase.all)
    func verifierRejectsWrongSecret(_ vector: SuiteCase) {
        let error = vector.signedRequest.verificationError(secret: "wrong", now: Example.suiteDate)
        #expect(error?.kind == .invalidSignature)
    }

    @Test func securityTokenAddedAfterSigningIsAcceptedUnsigned() throws {
        let vector = try #require(SuiteCase.all.first { $0.name == "post-sts-token/post-sts-header-after" })
        let wire = vector.signedRequest
        let claim = try SigV4Verifier.parseClaim(wire.request)
        #expect(claim.securityToken?.hasPrefix("AQoDYXdzEPT") == true)
        #expect(!claim.signedHeaders.contains("x-amz-security-token"))
        #expect(wire.verificationError(now: Example.suiteDate) == nil)
    }
}

import Foundation
import Testing

@testable import AWSSigV4

/// A request botocore signed (see scripts/gen_sigv4_fixtures.py and Fixtures/BotocoreSignedFixtures.swift).
struct BotocoreCase: Decodable, Sendable, CustomTestStringConvertible {
    struct Presigned: Decodable, Sendable {
        var expires: Int
        var unsignedQuery: String
    }

    var name: String
    var service: String
    var region: String
    var accessKeyId: String
    var secretAccessKey: String
    var sessionToken: String?
    var date: String
    var method: String
    var path: String
    var query: String
    var headers: [[String]]
    var bodyBase64: String
    var bodySHA256: String
    var canonicalRequest: String
    var stringToSign: String
    var authorization: String?
    var presigned: Presigned?

    var testDescription: String { name }

    static let all: [BotocoreCase] = decodeFixture(botocoreSignedJSON, as: [BotocoreCase].self) ?? []
    static let headerSigned = all.filter { $0.presigned == nil }
    static let presignedCases = all.filter { $0.presigned != nil }

    /// The request exactly as botocore sent it.
    var wire: WireRequest {
        WireRequest(
            request: SigV4Request(
                method: method,
                path: path,
                query: query,
                headers: headers.map { ($0[0], $0[1]) }
            ),
            body: Array(Data(base64Encoded: bodyBase64) ?? Data())
        )
    }

    var signer: SigV4Signer {
        SigV4Signer(
            credentials: SigV4Credentials(
                accessKeyId: accessKeyId,
                secretAccessKey: secretAccessKey,
                sessionToken: sessionToken
            ),
            region: region,
            service: service
        )
    }

    /// The payload hash botocore signed: the last line of its canonical request.
    var signedPayloadHash: String {
        String(canonicalRequest.split(separator: "\n").last ?? "")
    }

    /// The names botocore signed, from its canonical request.
    var signedHeaderNames: Set<String> {
        let lines = canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)
        return Set(lines[lines.count - 2].split(separator: ";").map(String.init))
    }
}

@Suite("botocore-signed requests")
struct BotocoreCompatibilityTests {
    @Test func allFixturesLoaded() {
        #expect(BotocoreCase.headerSigned.count == 7)
        #expect(BotocoreCase.presignedCases.count == 2)
        #expect(BotocoreCase.all.allSatisfy { $0.date == "20240315T102030Z" })
        #expect(SigV4Timestamp.parseBasic("20240315T102030Z") == Example.botocoreDate)
    }

    @Test("(a) the verifier accepts what botocore signed", arguments: BotocoreCase.all)
    func verifierAccepts(_ fixture: BotocoreCase) throws {
        let wire = fixture.wire
        #expect(wire.bodyHash == fixture.bodySHA256)
        #expect(wire.verificationError(now: Example.botocoreDate) == nil)
        let claim = try SigV4Verifier.parseClaim(wire.request)
        #expect(claim.isPresigned == (fixture.presigned != nil))
        #expect(claim.service == fixture.service)
        #expect(claim.securityToken == fixture.sessionToken)
        #expect(Set(claim.signedHeaders) == fixture.signedHeaderNames)
        let canonical = SigV4CanonicalRequest(
            wire.request,
            signedHeaders: claim.signedHeaders,
            payloadHash: fixture.signedPayloadHash,
            excludingSignatureParameter: claim.isPresigned
        )
        #expect(canonical.text == fixture.canonicalRequest)
    }

    @Test("(b) the signer produces botocore's Authorization header", arguments: BotocoreCase.headerSigned)
    func signerMatchesAuthorization(_ fixture: BotocoreCase) {
        let added: Set<String> = ["x-amz-date", "x-amz-security-token", "authorization"]
        var request = fixture.wire.request
        request.headers = request.headers.filter {
            let name = $0.name.lowercased()
            guard fixture.signedHeaderNames.contains(name), !added.contains(name) else { return false }
            return !(name == "x-amz-content-sha256" && $0.value == SigV4.unsignedPayload)
        }
        let signing = fixture.signer.headerSigning(
            request,
            payloadHash: fixture.signedPayloadHash,
            date: Example.botocoreDate
        )
        #expect(signing.canonicalRequest.text == fixture.canonicalRequest)
        #expect(signing.stringToSign == fixture.stringToSign)

        let headers = fixture.signer.sign(request, payloadHash: fixture.signedPayloadHash, date: Example.botocoreDate)
        #expect(headers.first { $0.name == "Authorization" }?.value == fixture.authorization)
        for (name, value) in headers {
            #expect(fixture.wire.request.headerValues(name) == [value], "\(name)")
        }
    }

    @Test("(b) the signer produces botocore's presigned query", arguments: BotocoreCase.presignedCases)
    func signerMatchesPresignedQuery(_ fixture: BotocoreCase) throws {
        let presigned = try #require(fixture.presigned)
        var request = fixture.wire.request
        request.query = presigned.unsignedQuery
        let query = fixture.signer.presignedQuery(
            request,
            expires: presigned.expires,
            date: Example.botocoreDate,
            payloadHash: SigV4.emptyPayloadHash
        )
        #expect(query == fixture.query)
    }
}

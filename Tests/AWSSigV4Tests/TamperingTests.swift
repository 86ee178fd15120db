import Foundation
import Testing

@testable import AWSSigV4

/// (c) Each botocore-signed request, changed after signing, is rejected with the right kind.
@Suite("Tampered requests")
struct TamperingTests {
    @Test("a changed body byte", arguments: BotocoreCase.headerSigned.filter { !$0.bodyBase64.isEmpty })
    func bodyByte(_ fixture: BotocoreCase) {
        var wire = fixture.wire
        wire.body[wire.body.count / 2] ^= 0x01
        let error = wire.verificationError(now: Example.botocoreDate)
        switch fixture.wire.request.headerValue("x-amz-content-sha256") {
        case SigV4.unsignedPayload?:
            // Unsigned bodies are protected by the API's own checksum (x-amz-Checksum), not by SigV4.
            #expect(error == nil)
        case .some:
            #expect(error?.kind == .payloadHashMismatch)
            #expect(error == .payloadHashMismatch)
        case nil:
            #expect(error == .signatureMismatch)
        }
    }

    @Test("a changed signed header value", arguments: BotocoreCase.all)
    func signedHeaderValue(_ fixture: BotocoreCase) {
        for name in fixture.signedHeaderNames where name != "x-amz-date" {
            var wire = fixture.wire
            let old = wire.request.headerValue(name) ?? ""
            wire.setHeader(name, old + "x")
            #expect(wire.verificationError(now: Example.botocoreDate)?.kind == .invalidSignature, "\(name)")
        }
    }

    @Test("an added or changed unsigned header is ignored", arguments: BotocoreCase.all)
    func unsignedHeader(_ fixture: BotocoreCase) {
        var wire = fixture.wire
        wire.request.headers.append(("X-Forwarded-For", "203.0.113.7"))
        wire.setHeader("User-Agent", "curl/8")
        #expect(wire.verificationError(now: Example.botocoreDate) == nil)
    }

    @Test("an x-amz header added to an unsigned-payload request is refused", arguments: BotocoreCase.all)
    func unsignedAmzHeader(_ fixture: BotocoreCase) {
        var wire = fixture.wire
        wire.request.headers.append(("X-Amz-Tampered", "50"))
        let error = wire.verificationError(now: Example.botocoreDate)
        // botocore's presigned URLs sign the (empty) body's hash, so only UNSIGNED-PAYLOAD headers count.
        if fixture.wire.request.headerValue("x-amz-content-sha256") == SigV4.unsignedPayload {
            #expect(error == .headersNotSigned(["x-amz-tampered"]))
        } else {
            // A signed payload protects the body itself; an extra header cannot change what is stored.
            #expect(error == nil)
        }
    }

    @Test("an x-amz header added to an UNSIGNED-PAYLOAD presigned request is refused")
    func unsignedAmzHeaderPresigned() {
        let signer = SigV4Signer(
            credentials: SigV4Credentials(accessKeyId: Example.accessKeyId, secretAccessKey: Example.secretAccessKey),
            region: "us-east-1", service: "ebs")
        var request = SigV4Request(
            method: "PUT", path: "/snapshots/snap-0123456789abcdef0/blocks/3", query: "",
            headers: [("Host", "127.0.0.1:8788"), ("x-amz-Checksum", "c2lnbmVk")])
        request.query = signer.presignedQuery(request, expires: 300, date: Example.botocoreDate)
        var wire = WireRequest(request: request, body: Array("body".utf8))
        #expect(wire.verificationError(now: Example.botocoreDate) == nil)
        wire.request.headers.append(("X-Amz-Data-Length", "4"))
        #expect(wire.verificationError(now: Example.botocoreDate) == .headersNotSigned(["x-amz-data-length"]))
    }

    @Test("a changed path", arguments: BotocoreCase.all)
    func path(_ fixture: BotocoreCase) {
        for path in [fixture.path + "x", fixture.path.replacingOccurrences(of: "snap-0", with: "snap-1"), "/"]
        where path != fixture.path {
            var wire = fixture.wire
            wire.request.path = path
            #expect(wire.verificationError(now: Example.botocoreDate) == .signatureMismatch, "\(path)")
        }
    }

    @Test("a changed or added query parameter", arguments: BotocoreCase.all)
    func query(_ fixture: BotocoreCase) {
        var wire = fixture.wire
        wire.request.query = fixture.query.isEmpty ? "maxResults=1" : "maxResults=1&" + fixture.query
        #expect(wire.verificationError(now: Example.botocoreDate) == .signatureMismatch)
    }

    @Test("a changed signature character", arguments: BotocoreCase.all)
    func signatureCharacter(_ fixture: BotocoreCase) {
        var wire = fixture.wire
        if fixture.presigned != nil {
            let flipped = fixture.query.last == "0" ? "1" : "0"
            wire.request.query = String(fixture.query.dropLast()) + flipped
        } else {
            let authorization = fixture.authorization ?? ""
            let flipped = authorization.last == "0" ? "1" : "0"
            wire.setHeader("Authorization", String(authorization.dropLast()) + flipped)
        }
        #expect(wire.verificationError(now: Example.botocoreDate) == .signatureMismatch)
    }

    @Test("the wrong secret key", arguments: BotocoreCase.all)
    func wrongSecret(_ fixture: BotocoreCase) {
        let error = fixture.wire.verificationError(secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ", now: Example.botocoreDate)
        #expect(error == .signatureMismatch)
        #expect(
            error?.message
                == "The request signature we calculated does not match the signature you provided. Check your AWS "
                + "Secret Access Key and signing method. Consult the service documentation for details."
        )
    }

    @Test func methodChange() throws {
        let fixture = try #require(BotocoreCase.all.first { $0.name == "ebs-list-changed-blocks" })
        var wire = fixture.wire
        wire.request.method = "DELETE"
        #expect(wire.verificationError(now: Example.botocoreDate) == .signatureMismatch)
    }

    @Test func payloadHashHeaderMismatchWithSignedHeader() throws {
        let fixture = try #require(BotocoreCase.all.first { $0.name == "direct-form-post-content-sha256" })
        var wire = fixture.wire
        wire.body = Array("Action=DeleteUser&Version=2010-05-08".utf8)
        #expect(wire.verificationError(now: Example.botocoreDate) == .payloadHashMismatch)
    }
}

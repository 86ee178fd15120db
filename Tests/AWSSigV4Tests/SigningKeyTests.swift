import Foundation
import Testing

@testable import AWSSigV4

@Suite("Signing key and documentation examples")
struct SigningKeyTests {
    /// AWS General Reference, "Examples of how to derive a signing key for Signature Version 4".
    @Test func iamKeyDerivationExample() {
        let key = SigV4SigningKey(
            secretAccessKey: Example.secretAccessKey,
            dateStamp: "20120215",
            region: "us-east-1",
            service: "iam"
        )
        #expect(key.hex == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }

    /// AWS General Reference, "Create a signed AWS API request": IAM ListUsers on 2015-08-30.
    @Test func iamListUsersExample() {
        let request = SigV4Request(
            method: "GET",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: [
                ("Host", "iam.amazonaws.com"),
                ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
            ]
        )
        let signer = SigV4Signer(
            credentials: SigV4Credentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: Example.secretAccessKey),
            region: "us-east-1",
            service: "iam"
        )
        let signing = signer.headerSigning(request, payloadHash: SigV4.emptyPayloadHash, date: Example.suiteDate)
        #expect(signing.canonicalRequest.hashHex == "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59")
        #expect(
            signer.signingKey(dateStamp: "20150830").hex
                == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        )
        #expect(signing.signature == "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
    }

    @Test func sha256HexOfEmptyInput() {
        #expect(SigV4.sha256Hex([UInt8]()) == SigV4.emptyPayloadHash)
        #expect(SigV4.sha256Hex("".utf8) == SigV4.emptyPayloadHash)
        #expect(SigV4.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func constantTimeEquals() {
        #expect(SigV4.constantTimeEquals("abc".utf8, "abc".utf8))
        #expect(!SigV4.constantTimeEquals("abc".utf8, "abd".utf8))
        #expect(!SigV4.constantTimeEquals("abc".utf8, "abcd".utf8))
        #expect(SigV4.constantTimeEquals("".utf8, "".utf8))
    }
}

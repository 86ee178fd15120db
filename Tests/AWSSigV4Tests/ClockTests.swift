import Foundation
import Testing

@testable import AWSSigV4

/// (d) clock skew for header auth and (e) expiry of presigned requests; time is always passed in.
@Suite("Clock skew and presigned expiry")
struct ClockTests {
    static let newYear = Date(timeIntervalSince1970: 1_704_067_200)  // 2024-01-01T00:00:00Z
    static let signer = SigV4Signer(
        credentials: SigV4Credentials(accessKeyId: Example.accessKeyId, secretAccessKey: Example.secretAccessKey),
        region: "us-east-1",
        service: "ebs"
    )
    static let request = SigV4Request(
        method: "GET",
        path: "/snapshots/snap-1/blocks",
        query: "maxResults=100",
        headers: [("Host", "ebs.us-east-1.amazonaws.com")]
    )

    static func headerSigned(at date: Date) -> WireRequest {
        var wire = WireRequest(request: request, body: [])
        wire.request.headers += signer.sign(request, payloadHash: SigV4.emptyPayloadHash, date: date)
        return wire
    }

    static func presigned(at date: Date, expires: Int, payloadHash: String = SigV4.unsignedPayload) -> WireRequest {
        var wire = WireRequest(request: request, body: [])
        wire.request.query = signer.presignedQuery(request, expires: expires, date: date, payloadHash: payloadHash)
        return wire
    }

    @Test func headerAuthAcceptedWithinFifteenMinutes() {
        let wire = Self.headerSigned(at: Self.newYear)
        for offset in [-900.0, -899, -1, 0, 1, 899, 900, 900.5] {
            #expect(wire.verificationError(now: Self.newYear.addingTimeInterval(offset)) == nil, "\(offset)")
        }
    }

    @Test func headerAuthTooOld() {
        let error = Self.headerSigned(at: Self.newYear).verificationError(now: Self.newYear.addingTimeInterval(1800))
        #expect(error?.kind == .signatureExpired)
        #expect(
            error?.message
                == "Signature expired: 20240101T000000Z is now earlier than 20240101T001500Z (20240101T003000Z - 15 min.)"
        )
        let justOver = Self.headerSigned(at: Self.newYear).verificationError(now: Self.newYear.addingTimeInterval(901))
        #expect(justOver?.kind == .signatureExpired)
    }

    @Test func headerAuthFromTheFuture() {
        let error = Self.headerSigned(at: Self.newYear).verificationError(now: Self.newYear.addingTimeInterval(-1800))
        #expect(error?.kind == .signatureExpired)
        #expect(
            error?.message
                == "Signature not yet current: 20240101T000000Z is still later than 20231231T234500Z "
                + "(20231231T233000Z + 15 min.)"
        )
        #expect(
            Self.headerSigned(at: Self.newYear).verificationError(now: Self.newYear.addingTimeInterval(-901))?.kind
                == .signatureExpired
        )
    }

    @Test func botocoreRequestsExpireAfterFifteenMinutes() {
        for fixture in BotocoreCase.headerSigned {
            #expect(fixture.wire.verificationError(now: Example.botocoreDate.addingTimeInterval(900)) == nil)
            #expect(
                fixture.wire.verificationError(now: Example.botocoreDate.addingTimeInterval(901))?.kind
                    == .signatureExpired,
                "\(fixture.name)"
            )
            #expect(
                fixture.wire.verificationError(now: Example.botocoreDate.addingTimeInterval(-901))?.kind
                    == .signatureExpired,
                "\(fixture.name)"
            )
        }
    }

    @Test func presignedValidUntilExpiry() {
        let wire = Self.presigned(at: Self.newYear, expires: 3600)
        for offset in [-900.0, 0, 900, 1800, 3600] {
            #expect(wire.verificationError(now: Self.newYear.addingTimeInterval(offset)) == nil, "\(offset)")
        }
        let expired = wire.verificationError(now: Self.newYear.addingTimeInterval(3601))
        #expect(expired?.kind == .signatureExpired)
        #expect(expired?.message == "Request has expired (expired at 20240101T010000Z, now 20240101T010001Z).")
        #expect(wire.verificationError(now: Self.newYear.addingTimeInterval(-901))?.kind == .signatureExpired)
    }

    @Test func botocorePresignedExpiry() {
        for fixture in BotocoreCase.presignedCases {
            let expires = TimeInterval(fixture.presigned?.expires ?? 0)
            #expect(fixture.wire.verificationError(now: Example.botocoreDate.addingTimeInterval(expires)) == nil)
            #expect(
                fixture.wire.verificationError(now: Example.botocoreDate.addingTimeInterval(expires + 1))?.kind
                    == .signatureExpired,
                "\(fixture.name)"
            )
        }
    }

    @Test func presignedWithBodyHashOrUnsignedPayloadAccepted() {
        #expect(Self.presigned(at: Self.newYear, expires: 60).verificationError(now: Self.newYear) == nil)
        let bodyHashed = Self.presigned(at: Self.newYear, expires: 60, payloadHash: SigV4.emptyPayloadHash)
        #expect(bodyHashed.verificationError(now: Self.newYear) == nil)
        var withBody = bodyHashed
        withBody.body = Array("unexpected".utf8)
        #expect(withBody.verificationError(now: Self.newYear) == .signatureMismatch)
    }

    @Test(arguments: [0, -5, 604_801])
    func presignedExpiresOutOfRange(_ expires: Int) {
        let error = Self.presigned(at: Self.newYear, expires: expires).verificationError(now: Self.newYear)
        #expect(error?.kind == .incompleteSignature)
    }

    @Test func presignedLongestExpiryAccepted() {
        let wire = Self.presigned(at: Self.newYear, expires: SigV4.maxPresignedExpires)
        #expect(wire.verificationError(now: Self.newYear.addingTimeInterval(604_800)) == nil)
        #expect(wire.verificationError(now: Self.newYear.addingTimeInterval(604_801))?.kind == .signatureExpired)
    }
}

import Foundation
import Testing

@testable import AWSWire

@Suite struct EC2TimestampTests {
    @Test(arguments: [
        (1_795_617_445.123, "2026-11-25T14:37:25.123Z"),
        (0, "1970-01-01T00:00:00.000Z"),
        (-0.001, "1969-12-31T23:59:59.999Z"),
        (1_709_164_800, "2024-02-29T00:00:00.000Z"),
        (951_782_400.9999, "2000-02-29T00:00:01.000Z"),
        (253_402_300_799.5, "9999-12-31T23:59:59.500Z"),
    ])
    func formatsUTCWithMilliseconds(_ seconds: Double, _ text: String) {
        #expect(EC2Timestamp.format(Date(timeIntervalSince1970: seconds)) == text)
    }

    @Test(arguments: [
        ("2026-11-25T14:37:25.123Z", 1_795_617_445.123),
        ("2026-11-25T14:37:25Z", 1_795_617_445),
        ("2026-11-25T14:37:25.123456Z", 1_795_617_445.123456),
        ("2026-11-25T14:37:25", 1_795_617_445),
        ("2026-11-25t14:37:25z", 1_795_617_445),
        ("2026-11-25T15:37:25+01:00", 1_795_617_445),
        ("2026-11-25T09:07:25-0530", 1_795_617_445),
        ("2026-11-25", 1_795_564_800),
        ("2024-02-29T00:00:00.000Z", 1_709_164_800),
    ])
    func parsesISO8601(_ text: String, _ seconds: Double) throws {
        let date = try #require(EC2Timestamp.parse(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_001)
    }

    @Test(arguments: [
        "", "2026", "2026-11-25T", "2026-11-25T14:37", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
        "2026-11-31T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T14:60:00Z", "2026-11-25T14:37:25.Z",
        "2026-11-25T14:37:25+25:00", "2026-11-25T14:37:25ZZ", "2026-11-25 14:37:25Z", "1795617445", "２026-11-25",
    ])
    func refusesOtherText(_ text: String) {
        #expect(EC2Timestamp.parse(text) == nil)
    }

    @Test func roundTripsAtMillisecondPrecision() throws {
        for millis in stride(from: Int64(-86_400_000), through: 4_102_444_800_000, by: 7_777_777_777) {
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            let parsed = try #require(EC2Timestamp.parse(EC2Timestamp.format(date)))
            #expect(abs(parsed.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000_5)
        }
    }
}

import BlockSnapCore
import Testing

private typealias Tag = BlockSnapCore.Tag

/// EC2's tag limits count Unicode code points, as AWS does, not Swift's grapheme clusters.
@Suite("Tag rules")
struct TagRulesTests {
    /// "e" + COMBINING ACUTE ACCENT: one character to Swift, two code points to AWS.
    static let combining = "e\u{301}"

    private func error(_ tags: [Tag]) -> ServiceError? {
        do throws(ServiceError) {
            try TagRules.validate(tags)
            return nil
        } catch {
            return error
        }
    }

    @Test("keys and values at their limits in code points are accepted")
    func atTheLimits() {
        let key = String(repeating: Self.combining, count: 63) + "k"  // 127 code points
        let value = String(repeating: Self.combining, count: 127) + "v"  // 255 code points
        #expect(error([Tag(key: key, value: value)]) == nil)
    }

    @Test("a key or value one code point over its limit is refused, however few characters it shows")
    func overTheLimits() {
        let key = String(repeating: Self.combining, count: 64)  // 64 characters, 128 code points
        let value = String(repeating: "🇺🇸", count: 128)  // 128 characters, 128 × 2 = 256 code points
        #expect(error([Tag(key: key, value: "")])?.code == .invalidTag)
        #expect(error([Tag(key: "k", value: value)])?.code == .invalidTag)
    }

    @Test("keys differing only in Unicode normalisation are distinct, as the catalog stores them")
    func normalisationIsNotEquality() {
        #expect(error([Tag(key: "\u{e9}", value: "1"), Tag(key: Self.combining, value: "2")]) == nil)
        #expect(error([Tag(key: "a", value: "1"), Tag(key: "a", value: "2")])?.code == .invalidTag)
    }
}

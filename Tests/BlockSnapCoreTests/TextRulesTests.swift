import BlockSnapCore
import Testing

/// What stored text may hold.
@Suite("Text rules")
struct TextRulesTests {
    @Test("what XML 1.0 cannot carry cannot be stored")
    func storable() {
        #expect(TextRules.firstNotStorable(in: "a\u{0}b").map(TextRules.name) == "U+0000")
        #expect(TextRules.firstNotStorable(in: "ab\u{1}\u{ffff}").map(TextRules.name) == "U+0001")
        #expect(TextRules.firstNotStorable(in: "é\u{fffe}").map(TextRules.name) == "U+FFFE")
        #expect(TextRules.firstNotStorable(in: "\u{ffff}").map(TextRules.name) == "U+FFFF")
        #expect(TextRules.firstNotStorable(in: "\u{1f}").map(TextRules.name) == "U+001F")
        #expect(TextRules.firstNotStorable(in: "tab\t lf\n cr\r \u{fffd} \u{effff} 🚀 ï") == nil)
    }
}

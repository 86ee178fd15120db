import BlockSnapCore
import Testing

/// What stored text may hold.
@Suite("Text rules")
struct TextRulesTests {
    @Test("only NUL cannot be stored")
    func storable() {
        #expect(TextRules.firstNotStorable(in: "a\u{0}b").map(TextRules.name) == "U+0000")
        #expect(TextRules.firstNotStorable(in: "a\u{1}\u{ffff}b") == nil)
    }
}

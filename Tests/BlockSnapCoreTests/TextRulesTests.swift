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

    @Test("XML cannot carry control characters but tab, LF and CR, nor U+FFFE/U+FFFF", arguments: [
        ("x\u{0}yz", 0x0000), ("a\u{1}b", 0x0001), ("\u{b}", 0x000B), ("\u{1f}", 0x001F),
        ("\u{fffe}", 0xFFFE), ("ok\u{ffff}", 0xFFFF),
    ] as [(String, UInt32)])
    func notXML(_ text: String, _ value: UInt32) throws {
        let bad = try #require(TextRules.firstNotStorable(in: text))
        #expect(bad.value == value)
    }

    @Test("ordinary text, whitespace and any other Unicode are XML")
    func xml() {
        for text in ["", "a\tb\nc\rd", "ключ 🔑", "\u{fffd}", "\u{7f}", "e\u{301}", "\u{10ffff}"] {
            #expect(TextRules.firstNotStorable(in: text) == nil, "\(text.debugDescription)")
        }
    }
}

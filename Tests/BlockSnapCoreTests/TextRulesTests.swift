import BlockSnapCore
import Testing

/// What stored text and EC2 input may hold.
@Suite("Text rules")
struct TextRulesTests {
    @Test("XML cannot carry control characters but tab, LF and CR, nor U+FFFE/U+FFFF", arguments: [
        ("x\u{0}yz", "U+0000"), ("a\u{1}b", "U+0001"), ("\u{b}", "U+000B"), ("\u{1f}", "U+001F"),
        ("\u{fffe}", "U+FFFE"), ("ok\u{ffff}", "U+FFFF"),
    ])
    func notXML(_ text: String, _ name: String) throws {
        let bad = try #require(TextRules.firstNotXML(in: text))
        #expect(TextRules.name(bad) == name)
    }

    @Test("ordinary text, whitespace and any other Unicode are XML")
    func xml() {
        for text in ["", "a\tb\nc\rd", "ключ 🔑", "\u{fffd}", "\u{7f}", "e\u{301}", "\u{10ffff}"] {
            #expect(TextRules.firstNotXML(in: text) == nil, "\(text.debugDescription)")
        }
    }

    @Test("only NUL cannot be stored")
    func storable() {
        #expect(TextRules.firstNotStorable(in: "a\u{0}b").map(TextRules.name) == "U+0000")
        #expect(TextRules.firstNotStorable(in: "a\u{1}\u{ffff}b") == nil)
    }
}

import AWSWire
import Testing

/// What EC2 input may hold: what XML 1.0 can carry.
@Suite("XML characters")
struct XMLCharactersTests {
    @Test("XML cannot carry control characters but tab, LF and CR, nor U+FFFE/U+FFFF", arguments: [
        ("x\u{0}yz", 0x0000), ("a\u{1}b", 0x0001), ("\u{b}", 0x000B), ("\u{1f}", 0x001F),
        ("\u{fffe}", 0xFFFE), ("ok\u{ffff}", 0xFFFF),
    ] as [(String, UInt32)])
    func notXML(_ text: String, _ value: UInt32) throws {
        let bad = try #require(XMLCharacters.firstUncarriable(in: text))
        #expect(bad.value == value)
    }

    @Test("ordinary text, whitespace and any other Unicode are XML")
    func xml() {
        for text in ["", "a\tb\nc\rd", "ключ 🔑", "\u{fffd}", "\u{7f}", "e\u{301}", "\u{10ffff}"] {
            #expect(XMLCharacters.firstUncarriable(in: text) == nil, "\(text.debugDescription)")
        }
    }
}

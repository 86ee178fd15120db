/// The characters XML 1.0 can carry: everything but U+0000–U+001F (tab, line feed and carriage
/// return excepted), U+FFFE and U+FFFF. One rule for both uses: EC2 input that holds another
/// character is refused (EC2 answers in XML and could not give it back), and `XMLText`
/// replaces one in output (text stored through the JSON APIs) with U+FFFD.
public enum XMLCharacters {
    /// Whether XML 1.0 can carry `scalar`.
    public static func canCarry(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: true
        case 0x00...0x1F, 0xFFFE, 0xFFFF: false
        default: true
        }
    }

    /// The first character of `text` XML cannot carry, if any. A byte scan first: most text
    /// holds no byte that could start one.
    public static func firstUncarriable(in text: String) -> Unicode.Scalar? {
        guard text.utf8.contains(where: XMLText.mayNeedEscaping) else { return nil }
        return text.unicodeScalars.first { !canCarry($0) }
    }
}

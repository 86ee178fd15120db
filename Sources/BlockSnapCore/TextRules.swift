/// Which characters a stored text (a description, a tag, a client token, …) may hold.
///
/// One catalog serves every API, and the EC2 Query API shows stored text in XML 1.0, which
/// cannot carry NUL, the other C0 controls but tab, LF and CR, U+FFFE or U+FFFF. A text holding
/// one of them could only be shown altered (and NUL also cuts the text short for some catalog
/// readers), so no API stores one: each refuses such text. The EC2 wire uses the same rule for
/// what its XML can carry (every EC2 parameter, and `XMLText`).
public enum TextRules {
    /// Whether a stored text may hold `scalar`: exactly the characters XML 1.0 can carry.
    public static func isStorable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: true
        case 0x00...0x1F, 0xFFFE, 0xFFFF: false
        default: true
        }
    }

    /// The first character of `text` that may not be stored, if any. A byte scan first: only a
    /// byte below 0x20, or 0xEF (which starts U+FFFE and U+FFFF), can begin one.
    public static func firstNotStorable(in text: String) -> Unicode.Scalar? {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0xEF }) else { return nil }
        return text.unicodeScalars.first { !isStorable($0) }
    }

    /// "U+0000"-style name of a scalar, for messages.
    public static func name(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

/// Which characters a text may hold.
///
/// - Stored text (descriptions, tags, client tokens, …) may not hold NUL: the catalog's text
///   ends at the first NUL for some readers, so it would come back cut short.
/// - Text arriving through the EC2 Query API may hold only what XML 1.0 can carry, since EC2
///   answers in XML and could not give it back: not U+0000–U+001F except tab, line feed and
///   carriage return, nor U+FFFE, U+FFFF. (The EBS direct APIs speak JSON, which carries the
///   rest; such a text shows as U+FFFD in EC2's XML.)
public enum TextRules {
    /// The NUL in `text`, if any: a text that cannot be stored whole.
    public static func firstNotStorable(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first { $0.value == 0 }
    }

    /// The first character of `text` that XML 1.0 cannot carry, if any.
    public static func firstNotXML(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first { scalar in
            switch scalar.value {
            case 0x09, 0x0A, 0x0D: false
            case 0x00...0x1F, 0xFFFE, 0xFFFF: true
            default: false
            }
        }
    }

    /// "U+0000"-style name of a scalar, for messages.
    public static func name(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

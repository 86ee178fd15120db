/// Which characters a text may hold.
///
/// - Stored text (descriptions, tags, client tokens, …) may not hold NUL: the catalog's text
///   ends at the first NUL for some readers, so it would come back cut short.
/// - Text arriving through the EC2 Query API may hold only what XML 1.0 can carry: that rule
///   is the wire's, `AWSWire.XMLCharacters`.
public enum TextRules {
    /// The NUL in `text`, if any: a text that cannot be stored whole.
    public static func firstNotStorable(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first { $0.value == 0 }
    }

    /// "U+0000"-style name of a scalar, for messages.
    public static func name(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

import BlockSnapCore

/// The characters XML 1.0 can carry. They are exactly the characters the server stores
/// (`BlockSnapCore.TextRules`): every stored text must be shown unaltered on the EC2 wire.
public enum XMLCharacters {
    /// Whether XML 1.0 can carry `scalar`.
    @inlinable public static func canCarry(_ scalar: Unicode.Scalar) -> Bool {
        TextRules.isStorable(scalar)
    }

    /// The first character of `text` XML cannot carry, if any.
    @inlinable public static func firstUncarriable(in text: String) -> Unicode.Scalar? {
        TextRules.firstNotStorable(in: text)
    }
}

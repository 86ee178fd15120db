import Foundation

/// Strict standard-alphabet base64 with padding, as AWS headers use it.
public enum Base64 {
    /// Encodes bytes with padding.
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    /// Decodes padded standard base64; nil for anything else (whitespace, URL alphabet, bad padding).
    public static func decode(_ text: String) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.count % 4 == 0 else { return nil }
        for c in text.utf8 {
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
                continue
            default:
                return nil
            }
        }
        guard let data = Data(base64Encoded: text) else { return nil }
        return [UInt8](data)
    }
}

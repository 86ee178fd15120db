import BlockSnapCore

/// The XML document EC2 answers an error with:
///
/// ```
/// <?xml version="1.0" encoding="UTF-8"?>
/// <Response><Errors><Error><Code>MissingParameter</Code><Message>…</Message></Error></Errors>
/// <RequestID>…</RequestID></Response>
/// ```
///
/// (one line after the declaration on the wire; note `RequestID`, not `requestId`).
public enum EC2ErrorXML {
    /// The error document for `code` and `message`.
    public static func render(code: String, message: String, requestId: String) -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n<Response><Errors><Error><Code>"
        XMLText.append(code, to: &xml)
        xml += "</Code><Message>"
        XMLText.append(message, to: &xml)
        xml += "</Message></Error></Errors><RequestID>"
        XMLText.append(requestId, to: &xml)
        xml += "</RequestID></Response>"
        return xml
    }

    /// The error document for `error`.
    public static func render(_ error: EC2WireError, requestId: String) -> String {
        render(code: error.code, message: error.message, requestId: requestId)
    }
}

/// XML character data escaping.
enum XMLText {
    /// Appends `text` as XML 1.0 character data: `&`, `<`, `>` escaped, a carriage return as
    /// `&#13;` (so that parsers do not fold it into a line feed), and characters XML 1.0 cannot
    /// carry at all (other C0 controls, U+FFFE, U+FFFF) replaced by U+FFFD.
    static func append(_ text: String, to xml: inout String) {
        var bytes = XMLBytes(capacity: text.utf8.count + 16)
        append(text, to: &bytes)
        xml += bytes.string
    }

    /// The same, appended as UTF-8 bytes.
    static func append(_ text: String, to xml: inout XMLBytes) {
        guard text.utf8.contains(where: mayNeedEscaping) else {
            xml.append(text)
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": xml.append("&amp;")
            case "<": xml.append("&lt;")
            case ">": xml.append("&gt;")
            case "\r": xml.append("&#13;")
            case "\t", "\n": xml.append(scalar)
            case _ where !TextRules.isStorable(scalar):
                xml.append("\u{FFFD}" as Unicode.Scalar)
            default: xml.append(scalar)
            }
        }
    }

    /// A quick byte-level test, true for every byte that may start a character to be escaped
    /// or replaced (and for a few others): `&`, `<`, `>`, C0 controls but tab and line feed,
    /// and 0xEF, the lead byte of U+FFFE and U+FFFF in UTF-8.
    private static func mayNeedEscaping(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x26, 0x3C, 0x3E, 0xEF: true
        case 0x09, 0x0A: false
        case 0..<0x20: true
        default: false
        }
    }
}

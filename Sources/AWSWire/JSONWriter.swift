import Foundation

/// Renders response members as compact JSON with sorted keys; nil members are left out.
public enum JSONWriter {
    /// A JSON value.
    public indirect enum Value: Sendable {
        case string(String)
        case integer(Int64)
        case double(Double)
        case boolean(Bool)
        case array([Value])
        case object([(String, Value?)])
    }

    /// The UTF-8 JSON text of `value`.
    public static func encode(_ value: Value) -> [UInt8] {
        var out = ""
        write(value, to: &out)
        return Array(out.utf8)
    }

    private static func write(_ value: Value, to out: inout String) {
        switch value {
        case .string(let string): writeString(string, to: &out)
        case .integer(let number): out += String(number)
        case .double(let number): out += number.rounded() == number ? String(Int64(number)) : String(number)
        case .boolean(let flag): out += flag ? "true" : "false"
        case .array(let items):
            out += "["
            for (position, item) in items.enumerated() {
                if position > 0 { out += "," }
                write(item, to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            var first = true
            for (key, member) in members.sorted(by: { $0.0 < $1.0 }) {
                guard let member else { continue }
                if !first { out += "," }
                first = false
                writeString(key, to: &out)
                out += ":"
                write(member, to: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ string: String, to out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

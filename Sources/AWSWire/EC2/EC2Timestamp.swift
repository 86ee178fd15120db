import Foundation

/// ISO 8601 instants as EC2 reads and writes them, without `DateFormatter` (locale-free,
/// allocation-light and `Sendable`).
///
/// Output is always UTC with milliseconds: `2026-11-25T14:37:25.123Z`. Input accepts
/// `YYYY-MM-DDTHH:MM:SS`, an optional fraction of any length, and `Z`, `±HH:MM`, `±HHMM`
/// or no zone (UTC); or a bare date `YYYY-MM-DD` (midnight UTC).
public enum EC2Timestamp {
    /// `date` as `YYYY-MM-DDTHH:MM:SS.mmmZ` (milliseconds truncated, never rounded up).
    public static func format(_ date: Date) -> String {
        // Rounded to the millisecond, as the catalog stores times, so a time renders the same
        // before and after it is stored.
        let totalMillis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let millis = Int(floorMod(totalMillis, 1000))
        let seconds = floorDiv(totalMillis, 1000)
        let days = floorDiv(seconds, 86_400)
        let secondOfDay = Int(floorMod(seconds, 86_400))
        let (year, month, day) = civil(fromDays: days)
        guard (0...9999).contains(year) else {
            return pad(Int(year), 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(secondOfDay / 3600, 2)
                + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2) + "." + pad(millis, 3) + "Z"
        }
        // The common case without intermediate strings: 24 ASCII bytes written in place.
        return String(unsafeUninitializedCapacity: 24) { bytes in
            func put(_ value: Int, _ width: Int, at end: Int) {
                var value = value
                for position in stride(from: end - 1, through: end - width, by: -1) {
                    bytes[position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            put(Int(year), 4, at: 4)
            bytes[4] = UInt8(ascii: "-")
            put(month, 2, at: 7)
            bytes[7] = UInt8(ascii: "-")
            put(day, 2, at: 10)
            bytes[10] = UInt8(ascii: "T")
            put(secondOfDay / 3600, 2, at: 13)
            bytes[13] = UInt8(ascii: ":")
            put(secondOfDay / 60 % 60, 2, at: 16)
            bytes[16] = UInt8(ascii: ":")
            put(secondOfDay % 60, 2, at: 19)
            bytes[19] = UInt8(ascii: ".")
            put(millis, 3, at: 23)
            bytes[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    /// The instant `text` names, or nil if it is not one of the accepted forms or not a real
    /// date and time.
    public static func parse(_ text: String) -> Date? {
        var scanner = Scanner(Array(text.utf8))
        guard let year = scanner.digits(4), scanner.skip("-"), let month = scanner.digits(2), scanner.skip("-"),
            let day = scanner.digits(2)
        else { return nil }
        var hour = 0
        var minute = 0
        var second = 0
        var fraction = 0.0
        var offset = 0
        if !scanner.atEnd {
            guard scanner.skip("T") || scanner.skip("t"), let h = scanner.digits(2), scanner.skip(":"),
                let m = scanner.digits(2), scanner.skip(":"), let s = scanner.digits(2)
            else { return nil }
            (hour, minute, second) = (h, m, s)
            if scanner.skip(".") {
                guard let (numerator, count) = scanner.fraction() else { return nil }
                fraction = Double(numerator) / pow(10, Double(count))
            }
            if scanner.skip("Z") || scanner.skip("z") {
                offset = 0
            } else if let sign = scanner.sign() {
                guard let oh = scanner.digits(2) else { return nil }
                _ = scanner.skip(":")
                guard let om = scanner.digits(2), oh < 24, om < 60 else { return nil }
                offset = sign * (oh * 3600 + om * 60)
            }
        }
        guard scanner.atEnd, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 60
        else { return nil }
        let days = days(fromCivil: Int64(year), month, day)
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second - offset)
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { position == bytes.count }

        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard position < bytes.count, bytes[position] == UInt8(ascii: character) else { return false }
            position += 1
            return true
        }

        mutating func digits(_ count: Int) -> Int? {
            guard position + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[position..<position + count] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            position += count
            return value
        }

        /// Up to 9 significant fraction digits (the rest are read and dropped).
        mutating func fraction() -> (Int, Int)? {
            var value = 0
            var kept = 0
            let start = position
            while position < bytes.count, (48...57).contains(bytes[position]) {
                if kept < 9 {
                    value = value * 10 + Int(bytes[position] - 48)
                    kept += 1
                }
                position += 1
            }
            return position > start ? (value, kept) : nil
        }

        mutating func sign() -> Int? {
            if skip("+") { return 1 }
            if skip("-") { return -1 }
            return nil
        }
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    private static func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
        a - floorDiv(a, b) * b
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func days(fromCivil year: Int64, _ month: Int, _ day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yearOfEra = y - era * 400
        let monthIndex = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * monthIndex + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01.
    private static func civil(fromDays days: Int64) -> (Int64, Int, Int) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

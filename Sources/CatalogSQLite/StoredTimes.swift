import Foundation

/// A list of times stored as a JSON array of integer milliseconds since 1970 (see `Milliseconds`).
enum StoredTimes {
    /// The stored form of `dates`.
    static func encode(_ dates: [Date]) -> String {
        "[" + dates.map { String(Milliseconds.from($0)) }.joined(separator: ",") + "]"
    }

    /// The dates of a stored array; a corrupt row if it is not an array of integers.
    static func decode(_ text: String, what: @autoclosure () -> String) throws -> [Date] {
        try StoredArray.decode(text, as: Int64.self, of: "integers", what: what()).map(Milliseconds.date)
    }
}

import Foundation

/// A list of times stored as a JSON array of integer milliseconds since 1970 (see `Milliseconds`).
enum StoredTimes {
    /// The stored form of `dates`.
    static func encode(_ dates: [Date]) -> String {
        "[" + dates.map { String(Milliseconds.from($0)) }.joined(separator: ",") + "]"
    }

    /// The dates of a stored array; a corrupt row if it is not an array of integers.
    static func decode(_ text: String, what: @autoclosure () -> String) throws -> [Date] {
        if text == "[]" { return [] }
        guard let values = try? JSONDecoder().decode([Int64].self, from: Data(text.utf8)) else {
            throw SQLiteCatalogError(.corruptRow, "\(what()) is not a JSON array of integers")
        }
        return values.map(Milliseconds.date)
    }
}

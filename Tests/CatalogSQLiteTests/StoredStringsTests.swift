import Foundation
import Testing

@testable import CatalogSQLite

/// The JSON form of string lists kept in catalog columns and passed to `json_each`.
@Suite struct StoredStringsTests {
    @Test func everyStringRoundTripsAndIsValidJSON() throws {
        let samples: [[String]] = [
            [], [""], ["snap-0123456789abcdef0", "vol-1"], ["quote \" and backslash \\ and slash /"],
            ["controls \u{0}\u{1}\u{1F}\t\n\r end", "unicode é ｱ 🧊 \u{FFFD}"],
        ]
        for strings in samples {
            let stored = StoredStrings.encode(strings)
            #expect(try StoredStrings.decode(stored, what: "sample") == strings)
            let parsed = try JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [String]
            #expect(parsed == strings, "not JSON that others read back: \(stored)")
        }
        #expect(StoredStrings.encode(["a\u{1}b"]) == #"["a\u0001b"]"#)
    }

    @Test func anythingButAnArrayOfStringsIsACorruptRow() {
        for text in ["", "{}", "[1]", "[\"a\"", "null"] {
            #expect(throws: SQLiteCatalogError.self) { try StoredStrings.decode(text, what: "sample") }
        }
    }
}

/// A validated object key: a `/`-separated relative path that can only name a file inside the
/// store's root, never a temporary file and never something outside the root.
///
/// Rules: 1–1024 bytes of `[A-Za-z0-9._/-]`; no leading or trailing `/`; no empty segment; no
/// segment starting with `.` (which rules out `.`, `..` and the `.tmp-` files of in-flight
/// writes); each segment at most 255 bytes.
struct ObjectKey: Sendable {
    /// The key as given.
    let key: String
    /// Everything before the last `/`, or nil for a key at the root.
    let directory: Substring?
    /// The last segment.
    let name: Substring

    /// Longest key in bytes.
    static let maxLength = 1024
    /// Longest segment in bytes (`NAME_MAX` on common filesystems).
    static let maxSegmentLength = 255

    /// Validates `key`, throwing `.invalidKey` with the rule it breaks.
    init(_ key: String) throws(FileSystemObjectStoreError) {
        guard !key.isEmpty else { throw .invalidKey(key, "empty key") }
        guard key.utf8.count <= Self.maxLength else {
            throw .invalidKey(key, "longer than \(Self.maxLength) bytes")
        }
        guard key.utf8.allSatisfy(Self.isAllowed) else {
            throw .invalidKey(key, "only A-Z a-z 0-9 . _ - / are allowed")
        }
        for segment in key.split(separator: "/", omittingEmptySubsequences: false) {
            try Self.checkSegment(segment, of: key)
        }
        self.key = key
        if let slash = key.lastIndex(of: "/") {
            directory = key[..<slash]
            name = key[key.index(after: slash)...]
        } else {
            directory = nil
            name = key[...]
        }
    }

    /// The directory, relative to the root (`""` for the root itself), that a listing of
    /// `prefix` starts from: everything up to the prefix's last `/`. Nil when that part breaks
    /// the key rules, so that no key can start with `prefix`.
    static func listingDirectory(forPrefix prefix: String) -> String? {
        guard let slash = prefix.lastIndex(of: "/") else { return "" }
        let directory = prefix[..<slash]
        guard directory.utf8.allSatisfy(isAllowed) else { return nil }
        for segment in directory.split(separator: "/", omittingEmptySubsequences: false) {
            guard (try? checkSegment(segment, of: prefix)) != nil else { return nil }
        }
        return String(directory)
    }

    private static func checkSegment(_ segment: Substring, of key: String) throws(FileSystemObjectStoreError) {
        guard let first = segment.utf8.first else {
            throw .invalidKey(key, "empty path segment (leading, trailing or doubled '/')")
        }
        guard first != UInt8(ascii: ".") else {
            throw .invalidKey(key, "a path segment starts with '.'")
        }
        guard segment.utf8.count <= maxSegmentLength else {
            throw .invalidKey(key, "a path segment is longer than \(maxSegmentLength) bytes")
        }
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"),
            UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }
}

/// Names of the temporary files that in-flight writes use: `.tmp-` and 16 random hex digits,
/// in the directory of the final object. No valid key can name one.
enum TemporaryName {
    /// The prefix every temporary file name starts with.
    static let prefix = ".tmp-"

    /// A fresh random temporary file name.
    static func make() -> String {
        let value = UInt64.random(in: .min ... .max)
        let hex = String(value, radix: 16)
        return prefix + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Whether a directory entry is a temporary file.
    static func matches(_ name: String) -> Bool { name.hasPrefix(prefix) }
}

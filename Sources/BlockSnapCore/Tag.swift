/// A resource tag. Valid tags follow the EC2 rules that `TagRules.validate` enforces.
public struct Tag: Hashable, Sendable, Codable {
    /// The key, 1–127 Unicode characters, not starting with `aws:`.
    public var key: String
    /// The value, 0–255 Unicode characters.
    public var value: String

    /// Creates a tag.
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// The EC2 tag rules shared by every API that takes tags.
public enum TagRules {
    /// Most tags a resource may carry.
    public static let maxTagsPerResource = 50
    /// Longest key, in Unicode code points (as AWS counts them, not grapheme clusters).
    public static let maxKeyLength = 127
    /// Longest value, in Unicode code points.
    public static let maxValueLength = 255

    /// Throws `invalidTag` unless every tag is valid and keys are unique.
    public static func validate(_ tags: [Tag]) throws(ServiceError) {
        guard tags.count <= maxTagsPerResource else {
            throw ServiceError(.invalidTag, "A resource can have at most \(maxTagsPerResource) tags; got \(tags.count).")
        }
        var seen = Set<[UInt8]>()  // byte-wise, as the catalog compares keys: "é" and "e\u{301}" differ
        for tag in tags {
            guard !tag.key.isEmpty else {
                throw ServiceError(.invalidTag, "Tag keys must not be empty.")
            }
            guard tag.key.unicodeScalars.count <= maxKeyLength else {
                throw ServiceError(.invalidTag, "Tag key exceeds the maximum length of \(maxKeyLength) characters.")
            }
            guard tag.value.unicodeScalars.count <= maxValueLength else {
                throw ServiceError(.invalidTag, "Tag value exceeds the maximum length of \(maxValueLength) characters.")
            }
            if let bad = TextRules.firstNotStorable(in: tag.key + tag.value) {
                throw ServiceError(.invalidTag, "Tags may not contain the character \(TextRules.name(bad)).")
            }
            guard !tag.key.lowercased().hasPrefix("aws:") else {
                throw ServiceError(.invalidTag, "Tag keys starting with 'aws:' are reserved for AWS use.")
            }
            guard seen.insert(Array(tag.key.utf8)).inserted else {
                throw ServiceError(.invalidTag, "Duplicate tag key '\(tag.key)'.")
            }
        }
    }
}

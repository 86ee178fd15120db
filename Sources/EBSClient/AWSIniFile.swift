/// The INI dialect of `~/.aws/credentials` and `~/.aws/config`, parsed the way botocore reads it:
/// `[section]` headers, `key = value` lines (no inline comments), `#` and `;` comment lines,
/// keys case-insensitive, and indented continuation lines (nested settings such as `s3 =`) ignored.
public struct AWSIniFile: Sendable, Equatable {
    /// Settings by section name (as written between the brackets, trimmed) and lower-cased key.
    public var sections: [String: [String: String]]

    /// Parses the text of a credentials or config file; lines that fit no rule are skipped.
    public init(parsing text: String) {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine[...]
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            if trimmed.hasPrefix("[") {
                guard let close = trimmed.firstIndex(of: "]") else {
                    current = nil
                    continue
                }
                let name = trimmed[trimmed.index(after: trimmed.startIndex)..<close].trimmingWhitespace()
                current = name
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            // Nested values (`s3 =` followed by indented lines) belong to the key above them.
            if let first = line.first, first == " " || first == "\t" { continue }
            guard let section = current, let equals = trimmed.firstIndex(of: "=") else { continue }
            let key = trimmed[..<equals].trimmingWhitespace().lowercased()
            let value = trimmed[trimmed.index(after: equals)...].trimmingWhitespace()
            guard !key.isEmpty else { continue }
            sections[section, default: [:]][key] = value
        }
        self.sections = sections
    }

    /// The settings of profile `name` in a credentials file: section `[name]`.
    public func credentialsProfile(_ name: String) -> [String: String]? {
        sections[name]
    }

    /// The settings of profile `name` in a config file: `[profile name]`, or `[default]` for `default`.
    public func configProfile(_ name: String) -> [String: String]? {
        if let section = sections["profile \(name)"] { return section }
        if name == "default" { return sections["default"] }
        return nil
    }
}

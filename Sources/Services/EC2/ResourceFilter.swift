import BlockSnapCore

/// An EC2 filter: a resource matches when any of the values matches (wildcards `*` and `?`);
/// a list of filters matches when every filter does.
public struct ResourceFilter: Sendable, Equatable {
    public var name: String
    public var values: [String]

    /// Creates a filter.
    public init(name: String, values: [String]) {
        self.name = name
        self.values = values
    }
}

/// How one resource type answers its filter names. `tag:KEY` is handled for every type from
/// its tags, and so are `tag-key` and `tag-value` unless `tagKeyAndValue` is false (DescribeTags,
/// whose model lists neither).
struct FilterTable<Resource>: Sendable {
    let fields: [String: @Sendable (Resource) -> [String]]
    let tags: @Sendable (Resource) -> [Tag]
    let tagKeyAndValue: Bool

    /// Creates a table of the filter names in `fields` plus the tag filters.
    init(
        fields: [String: @Sendable (Resource) -> [String]], tags: @escaping @Sendable (Resource) -> [Tag],
        tagKeyAndValue: Bool = true
    ) {
        self.fields = fields
        self.tags = tags
        self.tagKeyAndValue = tagKeyAndValue
    }

    /// Throws `invalidFilter` for a name this resource type doesn't know.
    func validate(_ filters: [ResourceFilter]) throws {
        for filter in filters {
            let known =
                fields[filter.name] != nil || filter.name.hasPrefix("tag:")
                || (tagKeyAndValue && (filter.name == "tag-key" || filter.name == "tag-value"))
            guard known else { throw ServiceError(.invalidFilter, "The filter '\(filter.name)' is invalid") }
            guard !filter.values.isEmpty else {
                throw ServiceError(.invalidParameterValue, "The filter '\(filter.name)' needs at least one value.")
            }
        }
    }

    func matches(_ resource: Resource, _ filters: [ResourceFilter]) -> Bool {
        filters.allSatisfy { filter in
            let candidates: [String]
            if filter.name.hasPrefix("tag:") {
                let key = String(filter.name.dropFirst(4))
                candidates = tags(resource).filter { $0.key == key }.map(\.value)
            } else if filter.name == "tag-key" {
                candidates = tags(resource).map(\.key)
            } else if filter.name == "tag-value" {
                candidates = tags(resource).map(\.value)
            } else {
                candidates = fields[filter.name]?(resource) ?? []
            }
            return candidates.contains { value in filter.values.contains { Wildcard.matches($0, value) } }
        }
    }
}

/// EC2 filter-value wildcards: `*` any run of characters, `?` one character, `\` escapes.
enum Wildcard {
    static func matches(_ pattern: String, _ value: String) -> Bool {
        let p = Array(pattern)
        let v = Array(value)
        var pi = 0
        var vi = 0
        var star = -1
        var mark = 0
        while vi < v.count {
            if pi < p.count, p[pi] == "\\", pi + 1 < p.count, p[pi + 1] == v[vi] {
                pi += 2
                vi += 1
            } else if pi < p.count, p[pi] != "*", p[pi] != "\\", p[pi] == "?" || p[pi] == v[vi] {
                pi += 1
                vi += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi
                mark = vi
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                vi = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}

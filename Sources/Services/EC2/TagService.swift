import BlockSnapCore
import Foundation

/// CreateTags, DeleteTags and DescribeTags over snapshots, volumes and instances.
public struct TagService: Sendable {
    let context: EC2Context

    /// Creates the service.
    public init(context: EC2Context) {
        self.context = context
    }

    /// Most resources one CreateTags or DeleteTags names ("Constraints: Up to 1000 resource IDs").
    static let maxResourcesPerCall = 1000

    /// Every id must be a well-formed id of a kind this server tags (`InvalidID` otherwise, as
    /// EC2 answers for a timestamp, an `ami-…` or a malformed `i-…`) and name one of the
    /// caller's resources (that kind's `*.NotFound` otherwise), and there may be at most
    /// `maxResourcesPerCall` of them.
    private func requireOwned(_ ids: [String], _ owner: Account) async throws {
        guard !ids.isEmpty else { throw ServiceError(.missingParameter, "The request must contain the parameter ResourceId") }
        guard ids.count <= Self.maxResourcesPerCall else {
            throw ServiceError(
                .invalidParameterValue,
                "A request may name at most \(Self.maxResourcesPerCall) resources; this one names \(ids.count).")
        }
        for id in ids {
            guard let prefix = ["snap", "vol", "i"].first(where: { EC2Identifiers.isValid(id, prefix: $0) }) else {
                throw ServiceError(.invalidId, "The ID '\(id)' is not valid")
            }
            switch prefix {
            case "snap": _ = try await context.ownedSnapshot(id, owner)
            case "vol": _ = try await context.ownedVolume(id, owner)
            default: _ = try await context.ownedInstance(id, owner)
            }
        }
    }

    /// CreateTags: adds or overwrites, all or nothing, keeping 50 tags per resource at most.
    public func createTags(_ tags: [Tag], on ids: [String], dryRun: Bool?, owner: Account) async throws {
        guard !tags.isEmpty else { throw ServiceError(.missingParameter, "The request must contain the parameter Tag") }
        try TagRules.validate(tags)
        try await requireOwned(ids, owner)
        try context.dryRun(dryRun)
        try await context.catalog.putTags(tags, on: ids, ownerId: owner.id)
    }

    /// DeleteTags: by key, or by key and value; no tags named deletes every tag.
    public func deleteTags(_ tags: [(key: String, value: String?)], from ids: [String], dryRun: Bool?, owner: Account)
        async throws
    {
        try await requireOwned(ids, owner)
        for tag in tags where tag.key.lowercased().hasPrefix("aws:") {
            throw ServiceError(.invalidParameterValue, "Tag keys starting with 'aws:' are reserved.")
        }
        try context.dryRun(dryRun)
        var selection = tags
        if selection.isEmpty {
            let all = try await context.catalog.resourceTags(ownerId: owner.id).filter { ids.contains($0.resourceId) }
            selection = Array(Set(all.map(\.tag.key))).sorted().map { (key: $0, value: nil) }
        }
        try await context.catalog.deleteTags(selection, from: ids, ownerId: owner.id)
    }

    /// DescribeTags with filters key, value, resource-id, resource-type and `tag:KEY` (the tags
    /// of resources that have tag KEY with one of the values); paged.
    public func describeTags(filters: [ResourceFilter], maxResults: Int?, nextToken: String?, owner: Account) async throws
        -> (tags: [ResourceTag], nextToken: String?)
    {
        try EC2Paging.validate(maxResults: maxResults, range: 5...1000, withIds: false, idsName: "")
        try Self.filters.validate(filters)
        let after = try context.paging.position(nextToken, operation: "DescribeTags")
        let all = try await context.catalog.resourceTags(ownerId: owner.id)
        let byResource = Dictionary(grouping: all, by: \.resourceId).mapValues { $0.map(\.tag) }
        var tags = all.filter { Self.filters.matches(Entry(tag: $0, resourceTags: byResource[$0.resourceId] ?? []), filters) }
            .sorted { Self.cursor($0) < Self.cursor($1) }
        if let after { tags = tags.filter { Self.cursor($0) > after } }
        guard let maxResults, tags.count > maxResults else { return (tags, nil) }
        let page = Array(tags.prefix(maxResults))
        return (page, context.paging.token(after: Self.cursor(page.last!), operation: "DescribeTags"))
    }

    private static func cursor(_ tag: ResourceTag) -> String { tag.resourceId + "\u{1}" + tag.tag.key }

    /// One listed tag with every tag of its resource, which `tag:KEY` filters look at.
    struct Entry: Sendable {
        let tag: ResourceTag
        let resourceTags: [Tag]
    }

    /// The model's DescribeTags filters: key, resource-id, resource-type, tag:KEY, value.
    static let filters = FilterTable<Entry>(
        fields: [
            "key": { [$0.tag.tag.key] },
            "value": { [$0.tag.tag.value] },
            "resource-id": { [$0.tag.resourceId] },
            "resource-type": { [$0.tag.resourceType] },
        ],
        tags: \.resourceTags, tagKeyAndValue: false)
}

import BlockSnapCore
import Foundation
import GRDB

/// The kinds of resource that carry tags, named by their id prefix.
enum ResourceKind: String {
    case snapshot, volume, instance

    /// The kind an id names (`snap-…`, `vol-…`, `i-…`), or nil.
    init?(resourceId: String) {
        if resourceId.hasPrefix("snap-") {
            self = .snapshot
        } else if resourceId.hasPrefix("vol-") {
            self = .volume
        } else if resourceId.hasPrefix("i-") {
            self = .instance
        } else {
            return nil
        }
    }

    /// Whether the resource `id` of this kind exists and belongs to `ownerId`.
    func exists(_ db: Database, id: String, ownerId: String) throws -> Bool {
        let sql =
            switch self {
            case .snapshot: "SELECT 1 FROM snapshots WHERE id = ? AND owner_id = ?"
            case .volume: "SELECT 1 FROM volumes WHERE id = ? AND owner_id = ?"
            case .instance: "SELECT 1 FROM instances WHERE id = ? AND owner_id = ?"
            }
        return try Bool.fetchOne(db, sql: sql, arguments: [id, ownerId]) != nil
    }
}

/// Reads and writes `resource_tags`: the tags of every resource, in the order they were given
/// (`position`; a new key goes after every existing one, an overwritten key keeps its place).
enum ResourceTags {
    /// EC2's limit of tags on one resource.
    static let maximumPerResource = 50

    /// Stores the tags of a new resource at positions 0, 1, …; a repeated key violates the
    /// primary key, more than 50 tags throw `tagLimitExceeded`.
    static func insert(_ db: Database, _ tags: [Tag], on resourceId: String, ownerId: String) throws {
        guard !tags.isEmpty else { return }
        guard tags.count <= maximumPerResource else { throw CatalogError.tagLimitExceeded(resourceId) }
        let type = try kind(of: resourceId).rawValue
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO resource_tags (resource_id, resource_type, owner_id, position, key, value)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
        for (position, tag) in tags.enumerated() {
            try insert.execute(arguments: [resourceId, type, ownerId, position, tag.key, tag.value])
        }
    }

    /// Adds `tags` to a resource or overwrites their values in place; a repeated key ends with
    /// the last value. Does not check the limit (the caller does, once per resource).
    static func put(_ db: Database, _ tags: [Tag], on resourceId: String, ownerId: String) throws {
        let type = try kind(of: resourceId).rawValue
        let upsert = try db.cachedStatement(
            sql: """
                INSERT INTO resource_tags (resource_id, resource_type, owner_id, position, key, value)
                VALUES (?1, ?2, ?3,
                    (SELECT coalesce(max(position) + 1, 0) FROM resource_tags WHERE resource_id = ?1), ?4, ?5)
                ON CONFLICT (resource_id, key) DO UPDATE SET value = excluded.value
                """)
        for tag in tags {
            try upsert.execute(arguments: [resourceId, type, ownerId, tag.key, tag.value])
        }
    }

    /// How many tags a resource has.
    static func count(_ db: Database, on resourceId: String) throws -> Int {
        try Int.fetchOne(
            db, sql: "SELECT count(*) FROM resource_tags WHERE resource_id = ?", arguments: [resourceId]) ?? 0
    }

    /// The tags of each of `resourceIds` in stored order, in one query; ids without tags are
    /// absent from the result.
    static func load(_ db: Database, for resourceIds: [String]) throws -> [String: [Tag]] {
        guard !resourceIds.isEmpty else { return [:] }
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT resource_id, key, value FROM resource_tags
                WHERE resource_id IN (SELECT value FROM json_each(?))
                ORDER BY resource_id, position
                """, arguments: [StoredStrings.encode(resourceIds)])
        var tags: [String: [Tag]] = [:]
        while let row = try rows.next() {
            tags[row[0], default: []].append(Tag(key: row[1], value: row[2]))
        }
        return tags
    }

    private static func kind(of resourceId: String) throws -> ResourceKind {
        guard let kind = ResourceKind(resourceId: resourceId) else {
            throw SQLiteCatalogError(.invalidArgument, "'\(resourceId)' is not a snapshot, volume or instance id")
        }
        return kind
    }
}

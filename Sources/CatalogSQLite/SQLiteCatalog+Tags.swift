import BlockSnapCore
import Foundation
import GRDB

extension SQLiteCatalog {
    /// Every resource must exist for `ownerId` (else `resourceNotFound`) and end with at most
    /// 50 tags (else `tagLimitExceeded`); either error leaves every resource unchanged. An
    /// overwritten key keeps its position, a new key goes last; a key given twice ends with
    /// the last value.
    public func putTags(_ tags: [Tag], on resourceIds: [String], ownerId: String) async throws {
        try await pool.write { db in
            let ids = try Self.ownedResources(db, resourceIds, ownerId: ownerId)
            for id in ids {
                try ResourceTags.put(db, tags, on: id, ownerId: ownerId)
                if try ResourceTags.count(db, on: id) > ResourceTags.maximumPerResource {
                    throw CatalogError.tagLimitExceeded(id)
                }
            }
        }
    }

    /// Every resource must exist for `ownerId` (else `resourceNotFound`, nothing removed).
    /// Keys a resource doesn't have, or has with another value, are ignored; the remaining tags
    /// keep their order.
    public func deleteTags(
        _ tags: [(key: String, value: String?)], from resourceIds: [String], ownerId: String
    ) async throws {
        try await pool.write { db in
            let ids = try Self.ownedResources(db, resourceIds, ownerId: ownerId)
            let deleteKey = try db.cachedStatement(sql: "DELETE FROM resource_tags WHERE resource_id = ? AND key = ?")
            let deleteKeyValue = try db.cachedStatement(
                sql: "DELETE FROM resource_tags WHERE resource_id = ? AND key = ? AND value = ?")
            for id in ids {
                for tag in tags {
                    if let value = tag.value {
                        try deleteKeyValue.execute(arguments: [id, tag.key, value])
                    } else {
                        try deleteKey.execute(arguments: [id, tag.key])
                    }
                }
            }
        }
    }

    /// By resource id, then the order the tags were given in.
    public func resourceTags(ownerId: String) async throws -> [ResourceTag] {
        try await pool.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT resource_id, resource_type, key, value FROM resource_tags
                    WHERE owner_id = ? ORDER BY resource_id, position
                    """, arguments: [ownerId])
            var tags: [ResourceTag] = []
            while let row = try rows.next() {
                tags.append(ResourceTag(resourceId: row[0], resourceType: row[1], tag: Tag(key: row[2], value: row[3])))
            }
            return tags
        }
    }

    /// `resourceIds` without repeats, in order, after checking each is a snapshot, volume or
    /// instance of `ownerId`; throws `resourceNotFound` for the first that is not.
    private static func ownedResources(_ db: Database, _ resourceIds: [String], ownerId: String) throws -> [String] {
        var seen = Set<String>()
        var ids: [String] = []
        for id in resourceIds where seen.insert(id).inserted {
            guard let kind = ResourceKind(resourceId: id), try kind.exists(db, id: id, ownerId: ownerId) else {
                throw CatalogError.resourceNotFound(id)
            }
            ids.append(id)
        }
        return ids
    }
}

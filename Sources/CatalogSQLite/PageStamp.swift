import GRDB

/// A snapshot of a DescribeSnapshots page as first read: id, owner and revision (see
/// `CatalogSchema.v5`), and the decoded row unless the caller knew that revision.
struct PageStamp {
    let id: String
    let ownerId: String
    let revision: Int64
    /// Nil when the caller's `known` answered true (the row was not decoded).
    let row: SnapshotRow?

    /// The first `limit` snapshots visible to `accountId` with id > `after`, by id: the
    /// account's own and those shared with it, each range read in id order from its index and
    /// merged. `known` is asked about every snapshot read, which with shared snapshots may
    /// include some the merge then leaves out.
    static func page(
        _ db: Database, visibleTo accountId: String, after: String, limit: Int, known: (String, Int64) -> Bool
    ) throws -> [PageStamp] {
        let arguments: StatementArguments = [accountId, after, limit]
        let owned = try fetch(db, sql: ownedSQL, arguments: arguments, known: known)
        let shared = try fetch(db, sql: sharedSQL, arguments: arguments, known: known)
        guard !shared.isEmpty else { return owned }
        return merge(owned, shared, limit: limit)
    }

    /// Two id-ordered lists as one, without repeats (an owner may be in its own snapshot's
    /// permissions), cut to `limit`. Ids compare as SQLite compares them: by UTF-8 bytes.
    static func merge(_ first: [PageStamp], _ second: [PageStamp], limit: Int) -> [PageStamp] {
        var merged: [PageStamp] = []
        merged.reserveCapacity(min(limit, first.count + second.count))
        var i = 0
        var j = 0
        while merged.count < limit, i < first.count || j < second.count {
            let next: PageStamp
            if j == second.count {
                next = first[i]
                i += 1
            } else if i == first.count {
                next = second[j]
                j += 1
            } else if first[i].id == second[j].id {
                next = first[i]
                i += 1
                j += 1
            } else if first[i].id.utf8.lexicographicallyPrecedes(second[j].id.utf8) {
                next = first[i]
                i += 1
            } else {
                next = second[j]
                j += 1
            }
            merged.append(next)
        }
        return merged
    }

    /// The stamps of the `snapshots.*` rows `sql` selects, each row decoded only if `known`
    /// answers false (SQLite reads a column only when asked for it).
    private static func fetch(
        _ db: Database, sql: String, arguments: StatementArguments, known: (String, Int64) -> Bool
    ) throws -> [PageStamp] {
        let cursor = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        var layout: SnapshotRow.Layout?
        var stamps: [PageStamp] = []
        while let row = try cursor.next() {
            let columns = try layout ?? SnapshotRow.Layout(row)
            layout = columns
            let id: String = try row.decode(atIndex: columns.id)
            let revision: Int64 = try row.decode(atIndex: columns.revision)
            if known(id, revision) {
                stamps.append(PageStamp(id: id, ownerId: try row.decode(atIndex: columns.ownerId), revision: revision, row: nil))
            } else {
                let decoded = try SnapshotRow(row: row, layout: columns)
                stamps.append(PageStamp(id: id, ownerId: decoded.ownerId, revision: revision, row: decoded))
            }
        }
        return stamps
    }

    static let ownedSQL = """
        SELECT * FROM snapshots WHERE owner_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3
        """

    static let sharedSQL = """
        SELECT s.* FROM snapshot_create_volume_permissions p CROSS JOIN snapshots s ON s.id = p.snapshot_id
        WHERE p.account_id = ?1 AND p.snapshot_id > ?2 ORDER BY p.snapshot_id LIMIT ?3
        """
}

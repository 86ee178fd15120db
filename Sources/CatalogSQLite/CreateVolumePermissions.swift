import BlockSnapCore
import Foundation
import GRDB

/// Reads and writes `snapshot_create_volume_permissions`: the accounts, other than the owner,
/// that may see a snapshot and create volumes from it. A set: read back sorted by account id,
/// without duplicates.
enum CreateVolumePermissions {
    /// Makes `accountIds` the snapshot's whole set; an unknown account throws
    /// `accountNotFound`.
    static func replace(_ db: Database, snapshotId: String, accountIds: [String]) throws {
        try db.execute(
            sql: "DELETE FROM snapshot_create_volume_permissions WHERE snapshot_id = ?", arguments: [snapshotId])
        guard !accountIds.isEmpty else { return }
        let known = try Set(
            String.fetchAll(
                db, sql: "SELECT id FROM accounts WHERE id IN (SELECT value FROM json_each(?))",
                arguments: [StoredStrings.encode(accountIds)]))
        if let unknown = accountIds.first(where: { !known.contains($0) }) {
            throw CatalogError.accountNotFound(unknown)
        }
        let insert = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO snapshot_create_volume_permissions (snapshot_id, account_id) VALUES (?, ?)")
        for accountId in accountIds {
            try insert.execute(arguments: [snapshotId, accountId])
        }
    }

    /// The permitted accounts of each of `snapshotIds`, in one query; snapshots without any
    /// are absent from the result.
    static func load(_ db: Database, for snapshotIds: [String]) throws -> [String: [String]] {
        guard !snapshotIds.isEmpty else { return [:] }
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT snapshot_id, account_id FROM snapshot_create_volume_permissions
                WHERE snapshot_id IN (SELECT value FROM json_each(?))
                ORDER BY snapshot_id, account_id
                """, arguments: [StoredStrings.encode(snapshotIds)])
        var permissions: [String: [String]] = [:]
        while let row = try rows.next() {
            permissions[row[0], default: []].append(row[1])
        }
        return permissions
    }
}

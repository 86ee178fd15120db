import BlockSnapCore
import Foundation
import GRDB

/// The `Catalog` and `ComputeCatalog` in one SQLite file (GRDB `DatabasePool`, WAL mode), the
/// embedded default.
///
/// Invariants: every method is one transaction; a commit is durable when the method returns
/// (`synchronous = FULL`); foreign keys are enforced; the schema is brought up to date by
/// append-only migrations when the file is opened, and a file migrated by a newer blocksnap is
/// refused. Times are stored at millisecond precision. Concurrent `recordBlock` calls share
/// transactions (group commit, see `GroupCommitWriter`) but each one is all-or-nothing.
public final class SQLiteCatalog: Catalog {
    /// The database connections: one writer, several WAL readers.
    let pool: DatabasePool
    /// Batches `recordBlock` writes.
    let groupCommit: GroupCommitWriter

    /// Opens (creating it if absent) the catalog file at `path` and migrates it. The directory
    /// must exist. Other processes may open the same file; writers wait up to `busyTimeout`.
    ///
    /// The file holds every account's secret access key, so it (and with it the `-wal` and `-shm`
    /// files, which SQLite creates with the database file's permissions) is made readable by its
    /// owner only: mode 0600, also for a file an older version created with the umask's mode.
    public init(path: String, busyTimeout: TimeInterval = 10) throws {
        try Self.restrictToOwner(path)
        var configuration = Configuration()
        configuration.label = "blocksnap.catalog"
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB sets the writer to synchronous = NORMAL when it enables WAL, after
        // `prepareDatabase`; put FULL back so that every commit is fsync'd before it returns.
        let synchronous = try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            return try Int.fetchOne(db, sql: "PRAGMA synchronous")
        }
        guard synchronous == 2 else {
            throw SQLiteCatalogError(.invalidArgument, "SQLite refused synchronous = FULL for \(path)")
        }
        let migrator = CatalogSchema.migrator
        if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
            throw SQLiteCatalogError(
                .newerSchema, "the catalog at \(path) was written by a newer blocksnap; upgrade to open it")
        }
        try migrator.migrate(pool)
        self.pool = pool
        groupCommit = GroupCommitWriter(pool)
    }

    /// The migrations applied to the file, in order (e.g. `["v1", "v2"]`).
    public func appliedMigrations() async throws -> [String] {
        try await pool.read { try CatalogSchema.migrator.appliedMigrations($0) }
    }

    /// Runs `write`, turning a UNIQUE or PRIMARY KEY violation into `alreadyExists`.
    func writeUnique<T: Sendable>(
        _ what: String, _ write: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        do {
            return try await pool.write(write)
        } catch let error as DatabaseError
            where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
            || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
        {
            throw SQLiteCatalogError(.alreadyExists, "\(what) already exists")
        }
    }
}

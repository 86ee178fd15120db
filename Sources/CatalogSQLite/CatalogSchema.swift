import GRDB

/// The catalog's schema as named, append-only migrations (see `docs/catalog.md`).
///
/// Invariant: a migration, once shipped, is never edited or removed; changes go in a new
/// migration appended at the end. Migrations use plain SQL, never app types.
enum CatalogSchema {
    /// The migrator that brings any older catalog file up to date.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in try db.execute(sql: v1) }
        migrator.registerMigration("v2") { db in try db.execute(sql: v2) }
        migrator.registerMigration("v3") { db in try db.execute(sql: v3) }
        migrator.registerMigration("v4") { db in try db.execute(sql: v4) }
        migrator.registerMigration("v5") { db in try db.execute(sql: v5) }
        return migrator
    }

    /// v1: accounts, keys, settings, snapshots with tags, written blocks and map nodes.
    /// Times are integer milliseconds since 1970-01-01T00:00:00Z.
    static let v1 = """
        CREATE TABLE accounts (
            id TEXT NOT NULL PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE access_keys (
            access_key_id TEXT NOT NULL PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            secret_access_key TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX access_keys_account ON access_keys(account_id);
        CREATE TABLE settings (
            key TEXT NOT NULL PRIMARY KEY,
            value BLOB NOT NULL
        );
        CREATE TABLE snapshots (
            id TEXT NOT NULL PRIMARY KEY,
            owner_id TEXT NOT NULL REFERENCES accounts(id),
            status TEXT NOT NULL CHECK (status IN ('pending', 'completed', 'error')),
            progress INTEGER NOT NULL CHECK (progress BETWEEN 0 AND 100),
            volume_size_gib INTEGER NOT NULL CHECK (volume_size_gib > 0),
            description TEXT,
            parent_id TEXT,
            lineage_id TEXT NOT NULL,
            root_node BLOB CHECK (root_node IS NULL OR length(root_node) = 32),
            start_time INTEGER NOT NULL,
            timeout_minutes INTEGER NOT NULL,
            deadline INTEGER NOT NULL,
            client_token TEXT,
            request_fingerprint TEXT,
            status_message TEXT,
            changed_blocks_count INTEGER,
            completion_time INTEGER,
            UNIQUE (owner_id, client_token)
        );
        CREATE INDEX snapshots_status_deadline ON snapshots(status, deadline);
        CREATE INDEX snapshots_owner_start ON snapshots(owner_id, start_time);
        CREATE TABLE snapshot_tags (
            snapshot_id TEXT NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (snapshot_id, key)
        ) WITHOUT ROWID;
        CREATE TABLE written_blocks (
            snapshot_id TEXT NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            block_index INTEGER NOT NULL CHECK (block_index >= 0),
            kind INTEGER NOT NULL CHECK (kind IN (0, 1)),
            hash BLOB CHECK ((kind = 0 AND hash IS NULL) OR (kind = 1 AND length(hash) = 32)),
            PRIMARY KEY (snapshot_id, block_index)
        ) WITHOUT ROWID;
        CREATE TABLE map_nodes (
            hash BLOB NOT NULL PRIMARY KEY CHECK (length(hash) = 32),
            body BLOB NOT NULL
        ) WITHOUT ROWID;
        """
}

extension CatalogSchema {
    /// v5: `snapshots.revision`, a number that changes whenever anything a snapshot shows
    /// changes: its row, its tags or its create-volume permissions. Readers that keep something
    /// derived from a snapshot (the rendered XML of DescribeSnapshots) compare revisions
    /// instead of whole records.
    ///
    /// Revisions come from one counter (`snapshot_revision_counter`, a single row), so a
    /// revision is never given twice, not even to a snapshot made after another was deleted.
    /// Triggers keep them, whichever statement makes the change; an UPDATE that sets
    /// `revision` itself does not fire the row trigger. Existing rows start at their rowid.
    static let v5 = """
        ALTER TABLE snapshots ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
        UPDATE snapshots SET revision = rowid;
        CREATE TABLE snapshot_revision_counter (value INTEGER NOT NULL);
        INSERT INTO snapshot_revision_counter (value) SELECT coalesce(max(revision), 0) FROM snapshots;

        CREATE TRIGGER snapshots_revision_insert AFTER INSERT ON snapshots
        BEGIN \(nextRevision(where: "rowid = new.rowid")) END;
        CREATE TRIGGER snapshots_revision_update AFTER UPDATE ON snapshots WHEN new.revision = old.revision
        BEGIN \(nextRevision(where: "rowid = new.rowid")) END;

        CREATE TRIGGER resource_tags_revision_insert AFTER INSERT ON resource_tags
        WHEN new.resource_type = 'snapshot'
        BEGIN \(nextRevision(where: "id = new.resource_id")) END;
        CREATE TRIGGER resource_tags_revision_update AFTER UPDATE ON resource_tags
        WHEN old.resource_type = 'snapshot' OR new.resource_type = 'snapshot'
        BEGIN \(nextRevision(where: "id IN (old.resource_id, new.resource_id)")) END;
        CREATE TRIGGER resource_tags_revision_delete AFTER DELETE ON resource_tags
        WHEN old.resource_type = 'snapshot'
        BEGIN \(nextRevision(where: "id = old.resource_id")) END;

        CREATE TRIGGER permissions_revision_insert AFTER INSERT ON snapshot_create_volume_permissions
        BEGIN \(nextRevision(where: "id = new.snapshot_id")) END;
        CREATE TRIGGER permissions_revision_update AFTER UPDATE ON snapshot_create_volume_permissions
        BEGIN \(nextRevision(where: "id IN (old.snapshot_id, new.snapshot_id)")) END;
        CREATE TRIGGER permissions_revision_delete AFTER DELETE ON snapshot_create_volume_permissions
        BEGIN \(nextRevision(where: "id = old.snapshot_id")) END;
        """

    /// A trigger's body: the counter's next value, given as revision to the snapshots
    /// `condition` selects.
    private static func nextRevision(where condition: String) -> String {
        """
        UPDATE snapshot_revision_counter SET value = value + 1; \
        UPDATE snapshots SET revision = (SELECT value FROM snapshot_revision_counter) WHERE \(condition);
        """
    }
}

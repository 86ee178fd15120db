extension CatalogSchema {
    /// v3: how a snapshot copy was made. `transfer_type` is NULL for snapshots that are not
    /// copies (and for copies made before v3); `completion_duration_minutes` is set only for
    /// time-based copies.
    static let v3 = """
        ALTER TABLE snapshots ADD COLUMN transfer_type TEXT
            CHECK (transfer_type IS NULL OR transfer_type IN ('standard', 'time-based'));
        ALTER TABLE snapshots ADD COLUMN completion_duration_minutes INTEGER
            CHECK (completion_duration_minutes IS NULL OR completion_duration_minutes BETWEEN 15 AND 2880);
        """
}

extension CatalogSchema {
    /// v4: volume columns for Multi-Attach and for the rolling limit on ModifyVolume.
    /// `modification_times` is a JSON array of the times (milliseconds) of the volume's recent
    /// modifications, oldest first; existing rows get `[]` and Multi-Attach off.
    static let v4 = """
        ALTER TABLE volumes ADD COLUMN multi_attach_enabled INTEGER NOT NULL DEFAULT 0
            CHECK (multi_attach_enabled IN (0, 1));
        ALTER TABLE volumes ADD COLUMN modification_times TEXT NOT NULL DEFAULT '[]'
            CHECK (json_type(modification_times) = 'array');
        """
}

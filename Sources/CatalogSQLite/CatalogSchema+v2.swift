extension CatalogSchema {
    /// v2: the EC2 side. Snapshot columns for volume, encryption and product codes; who may
    /// create volumes from a snapshot; volumes; instances; tags on every resource (the v1
    /// `snapshot_tags` rows move to `resource_tags` with their positions, and the table goes).
    ///
    /// `resource_tags` has no foreign key to its resource (it names three tables); triggers
    /// delete a resource's tags with it. State lists are spelled out here, not taken from the
    /// Swift enums, so that this migration never changes.
    static let v2 = """
        ALTER TABLE snapshots ADD COLUMN volume_id TEXT;
        ALTER TABLE snapshots ADD COLUMN encrypted INTEGER NOT NULL DEFAULT 0 CHECK (encrypted IN (0, 1));
        ALTER TABLE snapshots ADD COLUMN kms_key_id TEXT;
        ALTER TABLE snapshots ADD COLUMN product_codes TEXT NOT NULL DEFAULT '[]'
            CHECK (json_type(product_codes) = 'array');
        CREATE INDEX snapshots_volume ON snapshots(volume_id);
        CREATE INDEX snapshots_owner_id ON snapshots(owner_id, id);

        CREATE TABLE snapshot_create_volume_permissions (
            snapshot_id TEXT NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            PRIMARY KEY (snapshot_id, account_id)
        ) WITHOUT ROWID;
        CREATE INDEX snapshot_permissions_account ON snapshot_create_volume_permissions(account_id, snapshot_id);

        CREATE TABLE instances (
            id TEXT NOT NULL PRIMARY KEY CHECK (substr(id, 1, 2) = 'i-'),
            owner_id TEXT NOT NULL REFERENCES accounts(id),
            reservation_id TEXT NOT NULL,
            image_id TEXT NOT NULL,
            instance_type TEXT NOT NULL,
            state TEXT NOT NULL
                CHECK (state IN ('pending', 'running', 'shutting-down', 'terminated', 'stopping', 'stopped')),
            launch_time INTEGER NOT NULL,
            availability_zone TEXT NOT NULL,
            root_device_name TEXT NOT NULL,
            client_token TEXT,
            UNIQUE (owner_id, client_token)
        );
        CREATE INDEX instances_owner ON instances(owner_id, id);

        CREATE TABLE volumes (
            id TEXT NOT NULL PRIMARY KEY CHECK (substr(id, 1, 4) = 'vol-'),
            owner_id TEXT NOT NULL REFERENCES accounts(id),
            size_gib INTEGER NOT NULL CHECK (size_gib > 0),
            availability_zone TEXT NOT NULL,
            volume_type TEXT NOT NULL,
            iops INTEGER,
            throughput INTEGER,
            state TEXT NOT NULL
                CHECK (state IN ('creating', 'available', 'in-use', 'deleting', 'deleted', 'error')),
            snapshot_id TEXT,
            create_time INTEGER NOT NULL,
            encrypted INTEGER NOT NULL DEFAULT 0 CHECK (encrypted IN (0, 1)),
            kms_key_id TEXT,
            instance_id TEXT REFERENCES instances(id),
            device TEXT,
            attach_time INTEGER,
            delete_on_termination INTEGER CHECK (delete_on_termination IN (0, 1)),
            base_root BLOB CHECK (base_root IS NULL OR length(base_root) = 32),
            last_snapshot_id TEXT,
            lineage_id TEXT NOT NULL,
            client_token TEXT,
            product_codes TEXT NOT NULL DEFAULT '[]' CHECK (json_type(product_codes) = 'array'),
            CHECK (
                (instance_id IS NULL) = (device IS NULL)
                AND (instance_id IS NULL) = (attach_time IS NULL)
                AND (instance_id IS NULL) = (delete_on_termination IS NULL)
            ),
            UNIQUE (owner_id, client_token)
        );
        CREATE INDEX volumes_owner ON volumes(owner_id, id);
        CREATE INDEX volumes_instance ON volumes(instance_id);

        CREATE TABLE resource_tags (
            resource_id TEXT NOT NULL,
            resource_type TEXT NOT NULL CHECK (
                (resource_type = 'snapshot' AND substr(resource_id, 1, 5) = 'snap-')
                OR (resource_type = 'volume' AND substr(resource_id, 1, 4) = 'vol-')
                OR (resource_type = 'instance' AND substr(resource_id, 1, 2) = 'i-')
            ),
            owner_id TEXT NOT NULL REFERENCES accounts(id),
            position INTEGER NOT NULL CHECK (position >= 0),
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (resource_id, key),
            UNIQUE (resource_id, position)
        ) WITHOUT ROWID;
        CREATE INDEX resource_tags_owner ON resource_tags(owner_id, resource_id, position);
        INSERT INTO resource_tags (resource_id, resource_type, owner_id, position, key, value)
            SELECT t.snapshot_id, 'snapshot', s.owner_id, t.position, t.key, t.value
            FROM snapshot_tags t JOIN snapshots s ON s.id = t.snapshot_id;
        DROP TABLE snapshot_tags;

        CREATE TRIGGER snapshots_delete_tags AFTER DELETE ON snapshots
        BEGIN DELETE FROM resource_tags WHERE resource_id = old.id; END;
        CREATE TRIGGER volumes_delete_tags AFTER DELETE ON volumes
        BEGIN DELETE FROM resource_tags WHERE resource_id = old.id; END;
        CREATE TRIGGER instances_delete_tags AFTER DELETE ON instances
        BEGIN DELETE FROM resource_tags WHERE resource_id = old.id; END;
        """
}

// ObjectStoreFS module.

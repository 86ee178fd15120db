// CatalogSQLite module.

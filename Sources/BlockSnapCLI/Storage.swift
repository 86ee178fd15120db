import BlockSnapCore
import CatalogSQLite
import Foundation
import ObjectStoreFS

/// The composition root's choice of adapters for a data directory: SQLite and the filesystem.
struct Storage {
    let catalog: any Catalog & ComputeCatalog & ReferenceCatalog
    let objects: any ObjectStore

    /// Opens (creating if needed) the embedded storage under `dataDirectory`. The object store
    /// has one owner at a time: this fails while another process (a running server) has it.
    static func openEmbedded(dataDirectory: String) throws -> Storage {
        let catalog = try openCatalog(dataDirectory: dataDirectory)
        let objects = try PackedObjectStore(root: dataDirectory + "/objects")
        return Storage(catalog: catalog, objects: objects)
    }

    /// Opens (creating if needed) only the catalog under `dataDirectory`, which other processes
    /// may share: for commands that run next to a running server.
    static func openCatalog(dataDirectory: String) throws -> any Catalog & ComputeCatalog & ReferenceCatalog {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        return try SQLiteCatalog(path: dataDirectory + "/catalog.sqlite")
    }
}

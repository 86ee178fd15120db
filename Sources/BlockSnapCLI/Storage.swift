import BlockSnapCore
import CatalogSQLite
import Foundation
import ObjectStoreFS

/// The composition root's choice of adapters for a data directory: SQLite and the filesystem.
struct Storage {
    let catalog: any Catalog & ComputeCatalog & ReferenceCatalog
    let objects: any ObjectStore

    /// Opens (creating if needed) the embedded storage under `dataDirectory`.
    static func openEmbedded(dataDirectory: String) throws -> Storage {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let catalog = try SQLiteCatalog(path: dataDirectory + "/catalog.sqlite")
        let objects = try FileSystemObjectStore(root: dataDirectory + "/objects")
        return Storage(catalog: catalog, objects: objects)
    }
}

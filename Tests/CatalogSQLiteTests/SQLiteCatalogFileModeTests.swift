import BlockSnapCore
import BlockSnapTesting
import Foundation
import Testing

@testable import CatalogSQLite

/// The catalog holds every account's secret key: its files are readable by their owner only.
@Suite("SQLiteCatalog file permissions")
struct SQLiteCatalogFileModeTests {
    func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test("a new catalog and its WAL are created 0600, whatever the umask")
    func newCatalogIsPrivate() async throws {
        let directory = try TemporaryDirectory(prefix: "catalog-mode")
        defer { directory.remove() }
        let path = directory.appending("catalog.sqlite")
        let previous = umask(0o022)
        defer { umask(previous) }
        let catalog = try SQLiteCatalog(path: path)
        let owner = CatalogFixtures.account(1)
        try await catalog.createAccount(owner, key: CatalogFixtures.key(1, for: owner))
        #expect(try mode(path) == 0o600)
        #expect(try mode(path + "-wal") == 0o600)
    }

    @Test("an existing world-readable catalog is narrowed to 0600 when opened")
    func existingCatalogIsNarrowed() async throws {
        let directory = try TemporaryDirectory(prefix: "catalog-mode")
        defer { directory.remove() }
        let path = directory.appending("catalog.sqlite")
        do {
            let catalog = try SQLiteCatalog(path: path)
            let owner = CatalogFixtures.account(1)
            try await catalog.createAccount(owner, key: CatalogFixtures.key(1, for: owner))
        }
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            #expect(chmod(file, 0o644) == 0)
        }
        let reopened = try SQLiteCatalog(path: path)
        #expect(try await reopened.account(id: CatalogFixtures.account(1).id) != nil)
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            #expect(try mode(file) == 0o600, "\(file)")
        }
    }
}

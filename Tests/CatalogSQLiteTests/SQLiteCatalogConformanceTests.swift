import BlockSnapTesting
import CatalogSQLite
import Testing

@Suite("SQLiteCatalog conformance")
struct SQLiteCatalogConformanceTests {
    @Test("passes the Catalog conformance suite with a real SQLite file")
    func conformance() async throws {
        let directory = try TemporaryDirectory(prefix: "catalog-conformance")
        defer { directory.remove() }
        var catalogs = 0
        try await CatalogConformance.run {
            catalogs += 1
            return try SQLiteCatalog(path: directory.appending("catalog-\(catalogs).sqlite"))
        }
    }

    @Test("passes the ComputeCatalog conformance suite with a real SQLite file")
    func computeConformance() async throws {
        let directory = try TemporaryDirectory(prefix: "compute-catalog-conformance")
        defer { directory.remove() }
        var catalogs = 0
        try await ComputeCatalogConformance.run {
            catalogs += 1
            return try SQLiteCatalog(path: directory.appending("catalog-\(catalogs).sqlite"))
        }
    }
}

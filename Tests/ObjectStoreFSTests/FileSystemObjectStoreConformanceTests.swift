import BlockSnapTesting
import ObjectStoreFS
import Testing

@Suite("FileSystemObjectStore conformance")
struct FileSystemObjectStoreConformanceTests {
    @Test("passes the ObjectStore conformance suite in a real directory")
    func conformance() async throws {
        let directory = try TemporaryDirectory(prefix: "objectstore-conformance")
        defer { directory.remove() }
        var stores = 0
        try await ObjectStoreConformance.run {
            stores += 1
            return try FileSystemObjectStore(root: directory.appending("store-\(stores)/nested"))
        }
    }
}

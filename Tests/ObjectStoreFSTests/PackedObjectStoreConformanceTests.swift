import BlockSnapTesting
import ObjectStoreFS
import Testing

@Suite("PackedObjectStore conformance")
struct PackedObjectStoreConformanceTests {
    @Test("passes the ObjectStore conformance suite in a real directory, with small packs")
    func conformance() async throws {
        let directory = try TemporaryDirectory(prefix: "packed-conformance")
        defer { directory.remove() }
        var stores = 0
        try await ObjectStoreConformance.run {
            stores += 1
            return try PackedObjectStore(root: directory.appending("store-\(stores)/nested"), packSize: 64 << 10)
        }
    }
}

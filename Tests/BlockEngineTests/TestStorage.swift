import BlockSnapCore
import CatalogSQLite
import Foundation
import ObjectStoreFS

@testable import BlockEngine

/// A real SQLite catalog and filesystem object store in a fresh temporary directory.
struct TestStorage {
    let directory: String
    let catalog: SQLiteCatalog
    let objects: FileSystemObjectStore

    init() throws {
        directory = NSTemporaryDirectory() + "blocksnap-engine-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        catalog = try SQLiteCatalog(path: directory + "/catalog.sqlite")
        objects = try FileSystemObjectStore(root: directory + "/objects")
    }

    func blockMap() -> BlockMap { BlockMap(nodes: BlockMapNodes(catalog: catalog, capacity: 64)) }

    /// Persists derived nodes the way completing a snapshot does, through a throwaway snapshot.
    @discardableResult
    func persist(_ derived: BlockMap.Derived) async throws -> String {
        let id = "snap-" + String(UUID().uuidString.lowercased().filter(\.isHexDigit).prefix(17))
        let owner = "123456789012"
        if try await catalog.account(id: owner) == nil {
            try await catalog.createAccount(
                Account(id: owner, name: "engine-tests", createdAt: Date()),
                key: AccessKey(accessKeyId: "AKIAENGINETESTS00000", secretAccessKey: "s", accountId: owner))
        }
        let now = Date()
        _ = try await catalog.insertSnapshot(
            SnapshotRecord(
                id: id, ownerId: owner, status: .pending, progress: 0, volumeSizeGiB: 1, description: nil,
                parentId: nil, lineageId: id, rootNode: nil, tags: [], startTime: now, timeoutMinutes: 60,
                deadline: now.addingTimeInterval(3600), clientToken: nil, requestFingerprint: nil))
        _ = try await catalog.completeSnapshot(
            id: id, rootNode: derived.root, nodes: derived.newNodes, changedBlocksCount: 0, completionTime: now)
        return id
    }
}

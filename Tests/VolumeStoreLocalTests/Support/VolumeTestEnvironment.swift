import BlockEngine
import BlockSnapCore
import BlockSnapTesting
import CatalogSQLite
import Foundation
import Logging
import ObjectStoreFS
import VolumeStoreLocal

/// A real SQLite catalog, filesystem object store and volume-store root in a fresh temporary
/// directory, with helpers to build base maps and volume records.
struct VolumeTestEnvironment {
    let directory: TemporaryDirectory
    let catalog: SQLiteCatalog
    let blockStore: BlockStore
    let blockMap: BlockMap

    init() throws {
        directory = try TemporaryDirectory(prefix: "blocksnap-volumes")
        catalog = try SQLiteCatalog(path: directory.appending("catalog.sqlite"))
        blockStore = BlockStore(objects: try FileSystemObjectStore(root: directory.appending("objects")))
        blockMap = BlockMap(nodes: BlockMapNodes(catalog: catalog, capacity: 256))
    }

    /// Where the volume store keeps its volumes.
    var volumesRoot: String { directory.appending("volumes") }

    /// A store over `volumesRoot`; a second call gives an independent store over the same files
    /// (a restarted process).
    func makeStore(_ configuration: LocalVolumeStore.Configuration = .init()) -> LocalVolumeStore {
        LocalVolumeStore(
            root: volumesRoot, blockMap: blockMap, blockStore: blockStore,
            logger: Logger(label: "volume-store-tests"), configuration: configuration)
    }

    /// Stores `blocks` and makes a completed snapshot's block map of them; returns its root.
    func baseMap(_ blocks: [Int64: [UInt8]]) async throws -> BlockHash? {
        var writes: [WrittenBlock] = []
        for index in blocks.keys.sorted() {
            let bytes = blocks[index]!
            writes.append(
                WrittenBlock(index: index, ref: try await blockStore.store(bytes, hash: BlockCodec.hash(bytes))))
        }
        let derived = try await blockMap.apply(writes, to: nil)
        try await persist(derived)
        return derived.root
    }

    /// Persists derived nodes the way completing a snapshot does, through a throwaway snapshot.
    private func persist(_ derived: BlockMap.Derived) async throws {
        let id = CatalogFixtures.snapshotId(Int.random(in: 1..<Int.max))
        let account = CatalogFixtures.account(1)
        if try await catalog.account(id: account.id) == nil {
            try await catalog.createAccount(account, key: CatalogFixtures.key(1, for: account))
        }
        let now = CatalogFixtures.time(0)
        _ = try await catalog.insertSnapshot(
            SnapshotRecord(
                id: id, ownerId: account.id, status: .pending, progress: 0, volumeSizeGiB: 1, description: nil,
                parentId: nil, lineageId: id, rootNode: nil, tags: [], startTime: now, timeoutMinutes: 60,
                deadline: now.addingTimeInterval(3600), clientToken: nil, requestFingerprint: nil))
        _ = try await catalog.completeSnapshot(
            id: id, rootNode: derived.root, nodes: derived.newNodes, changedBlocksCount: 0, completionTime: now)
    }

    /// A volume record as the catalog would hold it.
    static func volume(_ n: Int, sizeGiB: Int64 = 1, base: BlockHash? = nil) -> VolumeRecord {
        let hex = String(n, radix: 16)
        let id = "vol-" + String(repeating: "0", count: max(0, 17 - hex.count)) + hex
        return VolumeRecord(
            id: id, ownerId: "000000000001", sizeGiB: sizeGiB, availabilityZone: "local-1a", volumeType: "gp3",
            iops: nil, throughput: nil, state: .available, snapshotId: nil, createTime: CatalogFixtures.time(0),
            encrypted: false, kmsKeyId: nil, tags: [], attachment: nil, baseRoot: base, lastSnapshotId: nil,
            lineageId: "lineage-\(n)", clientToken: nil)
    }
}

/// Block geometry shorthands for tests.
let blockSize = BlockGeometry.blockSize
let blockSize64 = Int64(BlockGeometry.blockSize)

/// Deterministic, block-distinct content of one whole block: word `w` (8 bytes, little-endian)
/// holds a mix of `(tag, block, w)`.
func pattern(tag: UInt16, block: Int64) -> [UInt8] {
    let words = BlockGeometry.blockSize / 8
    var out = [UInt8](repeating: 0, count: BlockGeometry.blockSize)
    out.withUnsafeMutableBytes { raw in
        let seed = UInt64(tag) << 48 ^ UInt64(block) << 20
        for w in 0..<words {
            raw.storeBytes(
                of: (seed ^ UInt64(w) &* 0x9E37_79B9_7F4A_7C15).littleEndian, toByteOffset: w * 8, as: UInt64.self)
        }
    }
    return out
}

/// `count` bytes of a counter stamp: useful to tell which write produced a block.
func stamp(_ value: Int, count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: (value &* 2_654_435_761) >> (($0 % 4) * 8)) ^ UInt8($0 % 251) }
}

/// Whether `body` throws a `VolumeStoreError` with `code`.
func throwsCode(_ code: VolumeStoreError.Code, _ body: () async throws -> Void) async -> Bool {
    do {
        try await body()
        return false
    } catch let error as VolumeStoreError {
        return error.code == code
    } catch {
        return false
    }
}

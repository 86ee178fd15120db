import BlockEngine
import BlockSnapCore
import BlockSnapTesting
import CatalogSQLite
import Crypto
import Foundation
import ObjectStoreFS
import Services

/// The EBS snapshot service over a real SQLite catalog and filesystem object store in a temp
/// directory, with a manual clock.
struct ServiceHarness {
    let directory: String
    let catalog: SQLiteCatalog
    let objects: FileSystemObjectStore
    let clock = ManualClock()
    let service: EBSSnapshotService
    let accounts: AccountService
    let owner: Account

    init() async throws {
        directory = NSTemporaryDirectory() + "blocksnap-services-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        catalog = try SQLiteCatalog(path: directory + "/catalog.sqlite")
        objects = try FileSystemObjectStore(root: directory + "/objects")
        service = EBSSnapshotService(
            catalog: catalog, blocks: BlockStore(objects: objects),
            maps: BlockMap(nodes: BlockMapNodes(catalog: catalog)),
            tokens: TokenSigner(secret: Array(repeating: 1, count: 32)), ids: ResourceIdentifiers(), clock: clock)
        accounts = AccountService(catalog: catalog, ids: ResourceIdentifiers(), clock: clock)
        owner = try await accounts.create(name: "owner").account
    }

    static func block(_ seed: Int) -> [UInt8] {
        var state = UInt64(seed) &+ 0x9E37_79B9_7F4A_7C15
        return (0..<BlockGeometry.blockSize).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    static let zeros = [UInt8](repeating: 0, count: BlockGeometry.blockSize)

    static func checksum(_ data: [UInt8]) -> String { Base64.encode(Array(SHA256.hash(data: data))) }

    func put(_ snapshot: String, _ index: Int64, _ data: [UInt8], as account: Account? = nil) async throws {
        _ = try await service.putSnapshotBlock(
            PutSnapshotBlockInput(
                snapshotId: snapshot, blockIndex: index, data: data, dataLength: Int64(data.count),
                checksum: Self.checksum(data), checksumAlgorithm: "SHA256", progress: nil),
            owner: account ?? owner)
    }

    func complete(_ snapshot: String, _ count: Int64) async throws -> SnapshotRecord {
        try await service.completeSnapshot(CompleteSnapshotInput(snapshotId: snapshot, changedBlocksCount: count), owner: owner)
    }

    /// Every block of a snapshot, read back through the listing and the tokens.
    func readAll(_ snapshot: String) async throws -> [Int64: [UInt8]] {
        var result: [Int64: [UInt8]] = [:]
        var next: String?
        repeat {
            let page = try await service.listSnapshotBlocks(
                snapshotId: snapshot, paging: BlockListingInput(maxResults: 100, nextToken: next), owner: owner)
            for block in page.items {
                result[block.index] = try await service.getSnapshotBlock(
                    snapshotId: snapshot, blockIndex: block.index, blockToken: block.token, owner: owner
                ).data
            }
            next = page.nextToken
        } while next != nil
        return result
    }

    func objectCount() async throws -> Int { try await objects.list(prefix: "blocks/").count }
}

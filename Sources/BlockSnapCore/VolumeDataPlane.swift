import Foundation

/// The live data of the volumes this node serves: the blocks written since each volume's last
/// snapshot (changed-block tracking) on top of its base block map.
///
/// Invariant: `freeze` takes one instant for all the volumes it is given: every write
/// acknowledged before it is in the frozen content, no write issued after it is.
public protocol VolumeDataPlane: Sendable {
    /// Prepares local storage for a new volume.
    func createVolume(_ volume: VolumeRecord) async throws
    /// Drops a volume's local storage.
    func deleteVolume(_ volumeId: String) async throws
    /// Freezes, at one instant, each volume's blocks changed since its last captured freeze.
    func freeze(_ volumeIds: [String]) async throws -> [String: any FrozenBlocks]
    /// Moves the block map a volume's unwritten blocks are read from (after a snapshot completes).
    func setBase(volumeId: String, root: BlockHash?) throws
    /// Grows a volume.
    func resize(volumeId: String, newSizeGiB: Int64) async throws
}

/// The changed blocks of one volume as of a freeze; their content stays readable (copied
/// before any later write) until released.
public protocol FrozenBlocks: Sendable {
    /// Changed block indexes, ascending.
    var indexes: [Int64] { get }
    /// A changed block's content as of the freeze; read each index at most once.
    func read(_ index: Int64) async throws -> [UInt8]
    /// Ends the freeze; when `captured` is false the blocks count as changed again.
    func release(captured: Bool) async
}

/// Frozen state with no changed blocks.
public struct NoChangedBlocks: FrozenBlocks {
    public init() {}
    public var indexes: [Int64] { [] }
    public func read(_ index: Int64) async throws -> [UInt8] {
        throw ServiceError(.internalError, "block \(index) is not part of this freeze")
    }
    public func release(captured: Bool) async {}
}

/// What garbage collection needs from the catalog: every place a block or map node can be
/// referenced from, and a way to drop unreferenced nodes.
public protocol ReferenceCatalog: Sendable {
    /// Roots of every block map still in use: snapshot roots (any state) and volume bases.
    func liveMapRoots() async throws -> [BlockHash]
    /// Data blocks recorded for pending snapshots (not yet in any map).
    func pendingBlockHashes() async throws -> [BlockHash]
    /// Every stored map node's hash.
    func mapNodeHashes() async throws -> [BlockHash]
    /// Deletes the given map nodes.
    func deleteMapNodes(_ hashes: [BlockHash]) async throws
}

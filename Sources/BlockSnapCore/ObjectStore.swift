/// A byte store addressed by key. It knows nothing of blocks, compression or snapshots.
///
/// Invariant: when `put` returns, the object is durable and complete; a reader sees either
/// nothing or the whole object, never a partial one.
public protocol ObjectStore: Sendable {
    /// Stores `bytes` under `key`, replacing any object there, atomically and durably.
    func put(_ key: String, _ bytes: [UInt8]) async throws
    /// The object's bytes, or nil if there is none.
    func get(_ key: String) async throws -> [UInt8]?
    /// Whether an object exists under `key`.
    func exists(_ key: String) async throws -> Bool
    /// Removes the object; removing an absent object is not an error.
    func delete(_ key: String) async throws
    /// Every key that starts with `prefix`, in ascending order.
    func list(prefix: String) async throws -> [String]
}

/// An object store that may keep the space of deleted objects until asked to give it back
/// (the pack store: dead space inside pack files).
///
/// Invariant: `reclaimSpace` never changes what any key reads as.
public protocol SpaceReclaimingObjectStore: ObjectStore {
    /// Gives back the space of deleted objects wherever the store judges it worth the copying.
    func reclaimSpace() async throws
}

import Foundation

/// The open volumes of a store by id. A plain locked dictionary rather than an actor, so that
/// the data path finds its volume without an actor hop.
///
/// Invariant: a volume is in the registry from the end of its open until the start of its
/// close or delete.
final class VolumeRegistry: @unchecked Sendable {
    // Guarded by `lock`.
    private var volumes: [String: VolumeFile] = [:]
    private let lock = NSLock()

    /// Creates an empty registry.
    init() {}

    /// The open volume `id`, or `.unknownVolume`.
    func volume(_ id: String) throws -> VolumeFile {
        guard let volume = lock.withLock({ volumes[id] }) else { throw VolumeStoreError.unknownVolume(id) }
        return volume
    }

    /// Whether `id` is open.
    func contains(_ id: String) -> Bool {
        lock.withLock { volumes[id] != nil }
    }

    /// Publishes an opened volume.
    func insert(_ volume: VolumeFile) {
        lock.withLock { volumes[volume.id] = volume }
    }

    /// Unpublishes a volume, returning it if it was open.
    func remove(_ id: String) -> VolumeFile? {
        lock.withLock { volumes.removeValue(forKey: id) }
    }

    /// The ids of all open volumes, sorted.
    func ids() -> [String] {
        lock.withLock { volumes.keys.sorted() }
    }
}

import Logging
import ServiceLifecycle
import VolumeStoreLocal

/// Closes every volume cleanly at graceful shutdown, so the next start can trust the
/// changed-block tracking instead of counting every local block as changed.
struct VolumeStoreCloser: Service {
    let store: LocalVolumeStore
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        do {
            try await store.closeAll()
        } catch {
            logger.error("closing volumes failed", metadata: ["error": "\(error)"])
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive `flock(2)` on a lock file, held from `init` until the value goes away (or the
/// process ends, in which case the kernel drops it).
///
/// Invariant: while a value lives, no other process holds the same lock, so one process owns
/// the store the file belongs to.
final class OwnerLock: Sendable {
    private let fd: Int32
    private let path: String

    /// Takes the lock on `path` (creating the file), or throws `inUse` at once if another
    /// process holds it.
    init(path: String, store: String) throws {
        let fd = try POSIX.openFile(path, O_RDWR | O_CREAT)
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            try? POSIX.closeFile(fd, path)
            if code == EWOULDBLOCK { throw FileSystemObjectStoreError.inUse(store) }
            throw FileSystemObjectStoreError.systemCall("flock", path, errno: code)
        }
        self.fd = fd
        self.path = path
    }

    deinit { try? POSIX.closeFile(fd, path) }
}

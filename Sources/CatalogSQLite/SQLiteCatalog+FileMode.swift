import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension SQLiteCatalog {
    /// The catalog's files are the owner's alone (0600): the database is created that way, and an
    /// existing database and its `-wal`/`-shm` files are narrowed to it when this user owns them.
    static func restrictToOwner(_ path: String) throws {
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw SQLiteCatalogError(.invalidArgument, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        // Files owned by another user cannot be changed here (EPERM); they stay as their owner
        // made them. Absent `-wal`/`-shm` files are created by SQLite with the database's mode.
        _ = fchmod(fd, 0o600)
        for suffix in ["-wal", "-shm"] { _ = chmod(path + suffix, 0o600) }
    }
}

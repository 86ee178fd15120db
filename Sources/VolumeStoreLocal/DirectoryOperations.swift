import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The blocking directory operations of the volume store: durable create, rename and remove.
/// "Durable" means the parent directory is fsync'd afterwards, so the change survives a crash.
enum DirectoryOperations {
    /// Makes a directory's entries durable: open it read-only and `fsync` it.
    static func syncDirectory(_ path: String) throws {
        let directory = try POSIXFile.open(path, flags: O_RDONLY | O_DIRECTORY)
        try directory.sync()
    }

    /// `mkdir -p path`, fsyncing the parent of every directory it creates.
    static func makeDirectories(_ path: String) throws {
        if FileManager.default.fileExists(atPath: path) { return }
        let parent = parentPath(of: path)
        if parent != path { try makeDirectories(parent) }
        if mkdir(path, 0o700) != 0 {
            let code = errno
            if code == EEXIST { return }
            throw VolumeStoreError(.ioFailure, "mkdir \(path): \(errorText(code))", errno: code)
        }
        try syncDirectory(parent)
    }

    /// Whether `path` exists.
    static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }

    /// `rename(2)`, then fsync of the destination's parent.
    static func renameDurably(_ from: String, to: String) throws {
        if rename(from, to) != 0 {
            let code = errno
            throw VolumeStoreError(.ioFailure, "rename \(from) → \(to): \(errorText(code))", errno: code)
        }
        try syncDirectory(parentPath(of: to))
    }

    /// Removes a file if it exists; with `durably`, fsyncs its directory afterwards.
    static func removeFile(_ path: String, durably: Bool) throws {
        if unlink(path) != 0 {
            let code = errno
            if code == ENOENT { return }
            throw VolumeStoreError(.ioFailure, "unlink \(path): \(errorText(code))", errno: code)
        }
        if durably { try syncDirectory(parentPath(of: path)) }
    }

    /// Creates an empty file durably (file and directory entry).
    static func createMarker(_ path: String) throws {
        let file = try POSIXFile.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC)
        try file.sync()
        try syncDirectory(parentPath(of: path))
    }

    /// Removes a directory tree if it exists.
    static func removeTree(_ path: String) throws {
        guard exists(path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw VolumeStoreError(.ioFailure, "remove \(path): \(error)")
        }
    }

    /// The names in a directory (empty if it does not exist).
    static func names(in path: String) throws -> [String] {
        guard exists(path) else { return [] }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw VolumeStoreError(.ioFailure, "list \(path): \(error)")
        }
    }

    /// The directory part of `path` (`/` for top-level paths).
    static func parentPath(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

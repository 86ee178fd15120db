import BlockSnapCore
import BlockingIO

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An `ObjectStore` in a local directory: the object under key `a/b/c` is the file
/// `<root>/a/b/c` (see `docs/object-store.md`).
///
/// Invariants: a file under a valid key's path is only ever created by `rename(2)` of a
/// complete, fsync'd temporary file, followed by an fsync of its directory, so a reader sees a
/// whole object or none, and a `put` that returned survives a crash. Temporary files
/// (`.tmp-…`) can never be named by a key and are never listed. One process owns a root at a
/// time: opening a store deletes temporary files left by a crash.
public struct FileSystemObjectStore: ObjectStore {
    /// The directory holding the objects, without a trailing `/`.
    public let root: String
    private let io: BlockingIOExecutor

    /// Opens (creating it and its parents if needed) the store at `root`, removes temporary
    /// files a crash may have left, and runs at most `ioConcurrency` blocking calls at once.
    public init(root: String, ioConcurrency: Int = 8) throws {
        var root = root
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        self.root = root
        io = BlockingIOExecutor(label: "blocksnap.object-store-fs", width: ioConcurrency)
        try DirectoryCreation.createPath(root)
        guard try DirectoryWalk.entries(of: root) != nil else {
            throw FileSystemObjectStoreError.systemCall("opendir", root, errno: ENOTDIR)
        }
        try cleanUpTemporaryFiles()
    }

    /// Deletes every temporary file under the root (writes interrupted by a crash) and returns
    /// how many there were. Blocking; call it only while no `put` is in flight.
    @discardableResult
    public func cleanUpTemporaryFiles() throws -> Int {
        var removed = 0
        try DirectoryWalk.temporaryFiles(under: root) { path in
            if try POSIX.removeFile(path) { removed += 1 }
        }
        return removed
    }

    public func put(_ key: String, _ bytes: [UInt8]) async throws {
        let key = try ObjectKey(key)
        try await io.run { [root] in try Self.write(bytes, key: key, root: root) }
    }

    public func get(_ key: String) async throws -> [UInt8]? {
        let key = try ObjectKey(key)
        return try await io.run { [root] in
            let path = root + "/" + key.key
            let fd: Int32
            do {
                fd = try POSIX.openFile(path, O_RDONLY)
            } catch let error as FileSystemObjectStoreError where error.errno == ENOENT || error.errno == ENOTDIR {
                return nil
            }
            defer { try? POSIX.closeFile(fd, path) }
            guard let size = try POSIX.regularFileSize(fd, path) else { return nil }
            return try POSIX.read(fd, upTo: size, at: 0, path)
        }
    }

    public func exists(_ key: String) async throws -> Bool {
        let key = try ObjectKey(key)
        return try await io.run { [root] in try POSIX.isRegularFile(root + "/" + key.key) }
    }

    public func delete(_ key: String) async throws {
        let key = try ObjectKey(key)
        try await io.run { [root] in _ = try POSIX.removeFile(root + "/" + key.key) }
    }

    public func list(prefix: String) async throws -> [String] {
        guard let start = ObjectKey.listingDirectory(forPrefix: prefix) else { return [] }
        return try await io.run { [root] in
            var keys: [String] = []
            try DirectoryWalk.regularFiles(
                root: root, start: start,
                descend: { directory in directory.hasPrefix(prefix) || prefix.hasPrefix(directory) },
                visit: { key in
                    if key.hasPrefix(prefix), (try? ObjectKey(key)) != nil { keys.append(key) }
                })
            keys.sort()
            return keys
        }
    }

    /// The durable write: temp file in the object's directory, write, fsync, rename, fsync the
    /// directory. Missing directories are created (each new one fsync'd into its parent).
    private static func write(_ bytes: [UInt8], key: ObjectKey, root: String) throws {
        let directory = key.directory.map { root + "/" + $0 } ?? root
        let (fd, temporary) = try openTemporaryFile(in: directory, key: key, root: root)
        do {
            defer { try? POSIX.closeFile(fd, temporary) }
            try bytes.withUnsafeBytes { try POSIX.writeAll(fd, $0, at: 0, temporary) }
            try POSIX.syncFile(fd, temporary)
        } catch {
            _ = try? POSIX.removeFile(temporary)
            throw error
        }
        do {
            try POSIX.renameFile(temporary, root + "/" + key.key)
        } catch {
            _ = try? POSIX.removeFile(temporary)
            throw error
        }
        try POSIX.syncDirectory(directory)
    }

    /// Creates a new, uniquely named temporary file in `directory`, creating the directory
    /// chain below `root` on first `ENOENT`.
    private static func openTemporaryFile(
        in directory: String, key: ObjectKey, root: String
    ) throws -> (Int32, String) {
        var createdDirectories = false
        var attempts = 0
        while true {
            attempts += 1
            let temporary = directory + "/" + TemporaryName.make()
            do {
                return (try POSIX.openFile(temporary, O_WRONLY | O_CREAT | O_EXCL), temporary)
            } catch let error as FileSystemObjectStoreError {
                if error.errno == ENOENT, !createdDirectories, let relative = key.directory {
                    try DirectoryCreation.createChain(below: root, relative)
                    createdDirectories = true
                } else if error.errno != EEXIST || attempts >= 8 {
                    throw error
                }
            }
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where one object's bytes lie: in pack `pack`, `length` bytes from `offset`.
struct PackLocation: Sendable, Equatable {
    var pack: Int64
    var offset: Int64
    var length: Int
}

/// One open pack file: `<packs>/pack-<16 hex id>`, objects appended back to back with no
/// framing (the index says where each one lies).
///
/// Invariant: the descriptor stays open, and readable, as long as the value lives, even after
/// the file was unlinked by compaction; it is closed when the last reference goes.
final class PackFile: Sendable {
    let id: Int64
    let path: String
    let fd: Int32

    private init(id: Int64, path: String, fd: Int32) {
        self.id = id
        self.path = path
        self.fd = fd
    }

    deinit { try? POSIX.closeFile(fd, path) }

    /// The file name of pack `id`.
    static func name(_ id: Int64) -> String {
        let hex = String(UInt64(bitPattern: id), radix: 16)
        return "pack-" + String(repeating: "0", count: max(0, 16 - hex.count)) + hex
    }

    /// The id named by a pack file name, nil for any other name.
    static func id(fromName name: String) -> Int64? {
        guard name.hasPrefix("pack-"), name.count == 21 else { return nil }
        return UInt64(name.dropFirst(5), radix: 16).map { Int64(bitPattern: $0) }
    }

    /// Creates pack `id` (it must not exist) for appending and makes its name durable.
    static func create(id: Int64, in directory: String) throws -> PackFile {
        let path = directory + "/" + name(id)
        let fd = try POSIX.openFile(path, O_RDWR | O_CREAT | O_EXCL)
        do {
            try POSIX.syncDirectory(directory)
        } catch {
            try? POSIX.closeFile(fd, path)
            throw error
        }
        return PackFile(id: id, path: path, fd: fd)
    }

    /// Opens existing pack `id` for reading; nil if there is no such file.
    static func open(id: Int64, in directory: String) throws -> PackFile? {
        let path = directory + "/" + name(id)
        do {
            return PackFile(id: id, path: path, fd: try POSIX.openFile(path, O_RDONLY))
        } catch let error as FileSystemObjectStoreError where error.errno == ENOENT {
            return nil
        }
    }

    /// The file's size in bytes.
    func size() throws -> Int64 {
        Int64(try POSIX.regularFileSize(fd, path) ?? 0)
    }

    /// Writes `bytes` at `offset`.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        try POSIX.writeAll(fd, bytes, at: offset, path)
    }

    /// The bytes at `location`; nil if the file is shorter.
    func read(_ location: PackLocation) throws -> [UInt8]? {
        try POSIX.read(fd, count: location.length, at: location.offset, path)
    }

    /// Makes everything written so far durable.
    func sync() throws {
        try POSIX.syncData(fd, path)
    }
}

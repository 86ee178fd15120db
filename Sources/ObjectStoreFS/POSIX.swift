#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Thin wrappers over the POSIX calls the store makes. Every function blocks the calling
/// thread; callers run them on `BlockingIOExecutor`. `EINTR` is retried; any other failure
/// throws `FileSystemObjectStoreError.systemCall` naming the call and the path.
enum POSIX {
    /// `open(2)`, returning the descriptor.
    static func openFile(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws -> Int32 {
        try retrying("open", path) { open(path, flags | O_CLOEXEC, mode) }
    }

    /// `close(2)`. Not retried on `EINTR` (on Linux the descriptor is gone either way).
    static func closeFile(_ fd: Int32, _ path: String) throws {
        guard close(fd) == 0 else {
            let code = errno
            guard code != EINTR else { return }
            throw FileSystemObjectStoreError.systemCall("close", path, errno: code)
        }
    }

    /// Writes every byte of `buffer` at `offset` with `pwrite(2)`.
    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, at offset: Int64, _ path: String) throws {
        var done = 0
        while done < buffer.count {
            let written = try retrying("pwrite", path) {
                pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            }
            done += written
        }
    }

    /// Reads up to `count` bytes at `offset` with `pread(2)` straight into the result: fewer only
    /// where the file ends first.
    static func read(_ fd: Int32, upTo count: Int, at offset: Int64, _ path: String) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            while initialized < count {
                let got = try retrying("pread", path) {
                    pread(fd, buffer.baseAddress! + initialized, count - initialized, off_t(offset) + off_t(initialized))
                }
                guard got > 0 else { break }
                initialized += got
            }
        }
    }

    /// Reads exactly `count` bytes at `offset`; nil if the file ends first.
    static func read(_ fd: Int32, count: Int, at offset: Int64, _ path: String) throws -> [UInt8]? {
        let bytes = try read(fd, upTo: count, at: offset, path)
        return bytes.count == count ? bytes : nil
    }

    /// `fdatasync(2)`: the file's data and the metadata needed to read it (its size).
    static func syncData(_ fd: Int32, _ path: String) throws {
        #if os(Linux)
            _ = try retrying("fdatasync", path) { fdatasync(fd) }
        #else
            _ = try retrying("fsync", path) { fsync(fd) }
        #endif
    }

    /// `fsync(2)`.
    static func syncFile(_ fd: Int32, _ path: String) throws {
        _ = try retrying("fsync", path) { fsync(fd) }
    }

    /// Makes a directory's entries durable: open it read-only and `fsync` it.
    static func syncDirectory(_ path: String) throws {
        let fd = try openFile(path, O_RDONLY | O_DIRECTORY)
        defer { try? closeFile(fd, path) }
        try syncFile(fd, path)
    }

    /// `rename(2)`: atomically replaces `to` with `from`.
    static func renameFile(_ from: String, _ to: String) throws {
        _ = try retrying("rename", to) { rename(from, to) }
    }

    /// `unlink(2)`; false when there was no file to remove (`ENOENT`, `ENOTDIR`, or a
    /// directory: `EISDIR` on Linux, `EPERM` on Darwin).
    @discardableResult
    static func removeFile(_ path: String) throws -> Bool {
        do {
            _ = try retrying("unlink", path) { unlink(path) }
            return true
        } catch let error as FileSystemObjectStoreError
            where error.errno.map([ENOENT, ENOTDIR, EISDIR, EPERM].contains) == true
        {
            return false
        }
    }

    /// `mkdir(2)`; false when the directory already exists.
    static func makeDirectory(_ path: String) throws -> Bool {
        do {
            _ = try retrying("mkdir", path) { mkdir(path, 0o755) }
            return true
        } catch let error as FileSystemObjectStoreError where error.errno == EEXIST {
            return false
        }
    }

    /// The size of the regular file open as `fd`, or nil if it is not a regular file.
    static func regularFileSize(_ fd: Int32, _ path: String) throws -> Int? {
        var info = stat()
        _ = try retrying("fstat", path) { fstat(fd, &info) }
        return (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : nil
    }

    /// Whether `path` is a regular file (symbolic links are not followed); false when nothing
    /// is there (`ENOENT`, `ENOTDIR`).
    static func isRegularFile(_ path: String) throws -> Bool {
        var info = stat()
        do {
            _ = try retrying("lstat", path) { lstat(path, &info) }
        } catch let error as FileSystemObjectStoreError where error.errno == ENOENT || error.errno == ENOTDIR {
            return false
        }
        return (info.st_mode & S_IFMT) == S_IFREG
    }

    /// The text of an `errno` value.
    static func errorString(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    /// Runs a call that returns -1 and sets `errno` on failure, retrying `EINTR`.
    static func retrying<T: BinaryInteger>(_ call: String, _ path: String, _ body: () -> T) throws -> T {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = errno
            if code == EINTR { continue }
            throw FileSystemObjectStoreError.systemCall(call, path, errno: code)
        }
    }
}

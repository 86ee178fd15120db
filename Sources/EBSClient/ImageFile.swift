#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed operation on a local image file.
public struct ImageFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file.
    public var path: String
    /// What was being done, e.g. `open`, `read`.
    public var operation: String
    /// The `errno` of the failure (0 when the failure has no errno, e.g. a short read).
    public var errno: Int32
    /// A message when there is no errno.
    public var detail: String?

    /// Creates an error.
    public init(path: String, operation: String, errno: Int32, detail: String? = nil) {
        self.path = path
        self.operation = operation
        self.errno = errno
        self.detail = detail
    }

    /// Whether the failure is that the file already exists.
    public var isAlreadyExists: Bool { errno == EEXIST }

    public var description: String {
        let why = detail ?? String(cString: strerror(errno))
        return "cannot \(operation) \(path): \(why)"
    }
}

/// A raw image file read and written in blocks with `pread`/`pwrite`, safe to use from many tasks
/// at once. Every call blocks: call it from a task, never from a NIO event loop.
public final class ImageFile: Sendable {
    /// The path the file was opened by.
    public let path: String
    let fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { _ = close(fd) }

    /// Opens an existing file (or block device) for reading.
    public static func openForReading(path: String) throws(ImageFileError) -> ImageFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImageFileError(path: path, operation: "open", errno: errno) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            _ = close(fd)
            throw ImageFileError(path: path, operation: "read", errno: EISDIR)
        }
        return ImageFile(path: path, fd: fd)
    }

    /// Creates a new file for writing; `exclusive` refuses to replace an existing one.
    public static func create(path: String, exclusive: Bool) throws(ImageFileError) -> ImageFile {
        let flags = O_RDWR | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC)
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw ImageFileError(path: path, operation: "create", errno: errno) }
        return ImageFile(path: path, fd: fd)
    }

    /// The size in bytes (works for block devices too).
    public func size() throws(ImageFileError) -> Int64 {
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else { throw ImageFileError(path: path, operation: "size", errno: errno) }
        return Int64(end)
    }

    /// Fills `buffer` (of `count` bytes) from `offset`; bytes past the end of the file read as zero.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(ImageFileError) {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw ImageFileError(path: path, operation: "read", errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        if done < buffer.count {
            (buffer.baseAddress! + done).initializeMemory(as: UInt8.self, repeating: 0, count: buffer.count - done)
        }
    }

    /// The whole file (for small files such as manifests).
    public func readAll() throws(ImageFileError) -> [UInt8] {
        let count = Int(try size())
        var failure: ImageFileError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(ImageFileError) {
                try read(into: UnsafeMutableRawBufferPointer(buffer), at: 0)
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Writes all of `bytes` at `offset`.
    public func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(ImageFileError) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw ImageFileError(path: path, operation: "write", errno: errno)
            }
            done += n
        }
    }

    /// Writes all of `bytes` at `offset`.
    public func write(_ bytes: [UInt8], at offset: Int64) throws(ImageFileError) {
        var failure: ImageFileError?
        bytes.withUnsafeBytes { raw in
            do throws(ImageFileError) { try write(raw, at: offset) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Sets the file's length; the new bytes are a hole.
    public func truncate(to length: Int64) throws(ImageFileError) {
        guard ftruncate(fd, off_t(length)) == 0 else {
            throw ImageFileError(path: path, operation: "resize", errno: errno)
        }
    }

    /// Starts writing the file's dirty pages to disk without waiting for them (and lets the
    /// kernel drop them from the page cache once written), so that a later `sync` of a file
    /// written in one long stream finds little left to do. Advisory: failures are ignored, and
    /// `sync` still decides durability.
    public func startWriteback() {
        #if os(Linux)
            _ = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
        #endif
    }

    /// Flushes data and metadata to stable storage.
    public func sync() throws(ImageFileError) {
        guard fsync(fd) == 0 else { throw ImageFileError(path: path, operation: "sync", errno: errno) }
    }

    /// The byte ranges that may hold data, from `SEEK_DATA`/`SEEK_HOLE`; holes read as zeros and need
    /// not be read. The whole file when the file system cannot tell.
    public func dataRanges(size: Int64) -> [Range<Int64>] {
        #if os(Linux)
            let seekData: Int32 = 3  // SEEK_DATA, hidden behind _GNU_SOURCE in Glibc
            let seekHole: Int32 = 4  // SEEK_HOLE
            var ranges: [Range<Int64>] = []
            var offset: Int64 = 0
            while offset < size {
                let start = lseek(fd, off_t(offset), seekData)
                if start < 0 {
                    if errno == ENXIO { break }  // only a hole remains
                    return [0..<size]
                }
                var end = lseek(fd, start, seekHole)
                if end < 0 { end = off_t(size) }
                let upper = min(Int64(end), size)
                if upper > Int64(start) { ranges.append(Int64(start)..<upper) }
                offset = max(upper, Int64(start) + 1)
            }
            return ranges
        #else
            return size > 0 ? [0..<size] : []
        #endif
    }
}

/// Durable renames for files written next to their final name.
public enum FileCommit {
    /// Renames `from` to `to` and syncs the directory, so that the rename survives a crash.
    public static func rename(_ from: String, to: String) throws(ImageFileError) {
        guard posixRename(from, to) == 0 else { throw ImageFileError(path: to, operation: "rename to", errno: errno) }
        let directory = to.lastIndex(of: "/").map { String(to[..<$0]) } ?? "."
        let fd = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            _ = close(fd)
        }
    }

    /// Removes a file, ignoring a missing one.
    public static func remove(_ path: String) {
        _ = unlink(path)
    }

    /// Whether something exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }
}

private func posixRename(_ from: String, _ to: String) -> Int32 {
    rename(from, to)
}

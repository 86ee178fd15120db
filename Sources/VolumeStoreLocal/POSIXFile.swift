import CPageCache

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An open file descriptor, closed when the last reference goes away, with the few blocking
/// calls the volume store needs. Every call retries `EINTR` and throws `.ioFailure` with the
/// `errno`; reads and writes loop until the whole range is done.
///
/// Invariant: `fd` stays open for the object's lifetime, so a caller holding a reference may use
/// it even after the file was unlinked or the volume closed.
final class POSIXFile: Sendable {
    /// The descriptor.
    let fd: Int32
    /// The path the file was opened under (for messages).
    let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { _ = close(fd) }

    /// Opens `path` with `flags` (`O_CLOEXEC` is added).
    static func open(_ path: String, flags: Int32, mode: mode_t = 0o600) throws -> POSIXFile {
        let fd = try retrying("open", path) { systemOpen(path, flags | O_CLOEXEC, mode) }
        return POSIXFile(fd: fd, path: path)
    }

    /// Reads exactly `count` bytes at `offset`; bytes past the end of the file read as zeros.
    func read(count: Int, at offset: Int64) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
            initialized = count
        }
    }

    /// Fills `buffer` from `offset`; bytes past the end of the file read as zeros.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws {
        var done = 0
        while done < buffer.count {
            let n = try Self.retrying("pread", path) {
                pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            }
            if n == 0 {
                (buffer.baseAddress! + done).initializeMemory(as: UInt8.self, repeating: 0, count: buffer.count - done)
                return
            }
            done += n
        }
    }

    /// Copies `count` bytes at `offset` to `target` at `targetOffset` inside the kernel, so they
    /// never pass through user space; bytes past this file's end arrive as zeros. Where the
    /// kernel cannot copy between the two files, reads and writes instead.
    func copy(count: Int, at offset: Int64, to target: POSIXFile, at targetOffset: Int64) throws {
        var done = 0
        while done < count {
            let n = blocksnap_copy_range(fd, offset + Int64(done), target.fd, targetOffset + Int64(done), count - done)
            if n > 0 {
                done += n
                continue
            }
            if n == 0 { break }
            let code = errno
            if code == EINTR { continue }
            guard [EXDEV, EINVAL, ENOSYS, EOPNOTSUPP].contains(code) else {
                throw VolumeStoreError(.ioFailure, "copy_file_range \(path): \(errorText(code))", errno: code)
            }
            let rest = try read(count: count - done, at: offset + Int64(done))
            try target.write(rest, range: 0..<rest.count, at: targetOffset + Int64(done))
            return
        }
        if done < count {
            try target.write([UInt8](repeating: 0, count: count - done), range: 0..<count - done, at: targetOffset + Int64(done))
        }
    }

    /// Fills `buffer` from `offset` if every byte can be read without waiting for the disk (from
    /// the page cache); false, with `buffer` partly filled, when some cannot or the kernel cannot
    /// tell. Bytes past the end of the file read as zeros.
    func readIfCached(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) -> Bool {
        var done = 0
        while done < buffer.count {
            let n = blocksnap_pread_cached(fd, buffer.baseAddress! + done, buffer.count - done, offset + Int64(done))
            if n < 0 { return false }
            if n == 0 {
                (buffer.baseAddress! + done).initializeMemory(as: UInt8.self, repeating: 0, count: buffer.count - done)
                return true
            }
            done += n
        }
        return true
    }

    /// Writes all of `bytes` at `offset`.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        var done = 0
        while done < bytes.count {
            let n = try Self.retrying("pwrite", path) {
                pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            }
            done += n
        }
    }

    /// Writes `bytes[range]` at `offset`.
    func write(_ bytes: [UInt8], range: Range<Int>, at offset: Int64) throws {
        try bytes.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[range]), at: offset) }
    }

    /// `fdatasync(2)` on Linux, `fsync(2)` elsewhere.
    func dataSync() throws {
        #if os(Linux)
            _ = try Self.retrying("fdatasync", path) { fdatasync(fd) }
        #else
            _ = try Self.retrying("fsync", path) { fsync(fd) }
        #endif
    }

    /// `fsync(2)`.
    func sync() throws {
        _ = try Self.retrying("fsync", path) { fsync(fd) }
    }

    /// Sets the file's length.
    func truncate(to length: Int64) throws {
        _ = try Self.retrying("ftruncate", path) { ftruncate(fd, off_t(length)) }
    }

    /// The file's length.
    func length() throws -> Int64 {
        var info = stat()
        _ = try Self.retrying("fstat", path) { fstat(fd, &info) }
        return Int64(info.st_size)
    }

    /// Bytes the file occupies on disk (`st_blocks` × 512).
    func allocatedBytes() throws -> Int64 {
        var info = stat()
        _ = try Self.retrying("fstat", path) { fstat(fd, &info) }
        return Int64(info.st_blocks) * 512
    }

    /// Deallocates `[offset, offset+length)` so that it reads as zeros, keeping the length.
    /// Returns false where the filesystem or platform cannot punch holes.
    func punchHole(at offset: Int64, length: Int64) throws -> Bool {
        #if os(Linux)
            guard let fallocate = Fallocate.function else { return false }
            // FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE
            while fallocate(fd, 0x01 | 0x02, offset, length) != 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EOPNOTSUPP || code == ENOSYS { return false }
                throw VolumeStoreError(.ioFailure, "fallocate \(path): \(errorText(code))", errno: code)
            }
            return true
        #else
            return false
        #endif
    }

    /// Runs a system call until it does not fail with `EINTR`.
    @discardableResult
    static func retrying<T: BinaryInteger>(_ call: String, _ path: String, _ body: () -> T) throws -> T {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = errno
            if code == EINTR { continue }
            throw VolumeStoreError(.ioFailure, "\(call) \(path): \(errorText(code))", errno: code)
        }
    }
}

#if os(Linux)
    /// `fallocate(2)`, looked up at run time: the Glibc module does not export it.
    private enum Fallocate {
        typealias Function = @convention(c) (Int32, Int32, Int64, Int64) -> Int32
        static let function: Function? = dlsym(nil, "fallocate").map { unsafeBitCast($0, to: Function.self) }
    }
#endif

private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    #if canImport(Glibc)
        Glibc.open(path, flags, mode)
    #elseif canImport(Musl)
        Musl.open(path, flags, mode)
    #else
        Darwin.open(path, flags, mode)
    #endif
}

/// `strerror(3)` text for an `errno` value.
func errorText(_ code: Int32) -> String {
    String(cString: strerror(code)) + " (errno \(code))"
}

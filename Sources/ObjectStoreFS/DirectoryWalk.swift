#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One entry of a directory, as `readdir(3)` reports it.
struct DirectoryEntry {
    /// What kind of file the entry is.
    enum Kind {
        case directory
        case regularFile
        case other
    }

    /// The entry's name (never `.` or `..`).
    let name: String
    /// Its kind; symbolic links are `.other` and never followed.
    let kind: Kind
}

/// Blocking directory traversal over `opendir`/`readdir`.
enum DirectoryWalk {
    /// The entries of the directory at `path`, unsorted; nil when it does not exist or is not a
    /// directory.
    static func entries(of path: String) throws -> [DirectoryEntry]? {
        guard let stream = opendir(path) else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw FileSystemObjectStoreError.systemCall("opendir", path, errno: code)
        }
        defer { closedir(stream) }
        var result: [DirectoryEntry] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            result.append(DirectoryEntry(name: name, kind: kind(Int32(entry.pointee.d_type), path + "/" + name)))
        }
        return result
    }

    /// Calls `visit` with the path, relative to `root`, of every regular file under
    /// `root/start` whose name does not start with `.`, descending only into directories
    /// for which `descend` (given the directory's relative path with a trailing `/`) is true.
    static func regularFiles(
        root: String, start: String, descend: (String) -> Bool, visit: (String) -> Void
    ) throws {
        let base = start.isEmpty ? root : root + "/" + start
        guard let entries = try entries(of: base) else { return }
        let prefix = start.isEmpty ? "" : start + "/"
        for entry in entries where !entry.name.hasPrefix(".") {
            let relative = prefix + entry.name
            switch entry.kind {
            case .directory:
                if descend(relative + "/") {
                    try regularFiles(root: root, start: relative, descend: descend, visit: visit)
                }
            case .regularFile:
                visit(relative)
            case .other:
                continue
            }
        }
    }

    /// Calls `visit` with the absolute path of every temporary file (see `TemporaryName`)
    /// anywhere under `path`.
    static func temporaryFiles(under path: String, visit: (String) throws -> Void) throws {
        guard let entries = try entries(of: path) else { return }
        for entry in entries {
            let full = path + "/" + entry.name
            if entry.kind == .directory {
                try temporaryFiles(under: full, visit: visit)
            } else if entry.kind == .regularFile, TemporaryName.matches(entry.name) {
                try visit(full)
            }
        }
    }

    private static func kind(_ type: Int32, _ path: String) -> DirectoryEntry.Kind {
        switch type {
        case Int32(DT_DIR): return .directory
        case Int32(DT_REG): return .regularFile
        case Int32(DT_UNKNOWN):
            var info = stat()
            guard lstat(path, &info) == 0 else { return .other }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: return .directory
            case S_IFREG: return .regularFile
            default: return .other
            }
        default: return .other
        }
    }
}

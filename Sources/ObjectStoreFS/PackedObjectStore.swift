import BlockSnapCore
import BlockingIO
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An `ObjectStore` in a local directory that appends objects to large pack files and keeps
/// `key → (pack, offset, length)` in a SQLite index (see `docs/object-store.md`). Objects that
/// an older blocksnap stored one file per key under the same root are still read, listed and
/// deleted; new objects always go to packs.
///
/// Why: one file per object costs an inode, a temporary name, a rename and two fsyncs per
/// 512 KiB block; packs cost one `pwrite` per object, and one `fdatasync` plus one index
/// commit per group of objects written together.
///
/// Invariants: `put` returns only after the object's bytes are synced in their pack and its
/// index row is committed, so a reader sees a whole object or none, and a returned `put`
/// survives a crash. Index rows only point at synced bytes. A pack is removed only when no
/// row points into it and no write to it is in flight; compaction moves the live objects of a
/// pack that is more than half dead, re-pointing a row only if it still names the old place.
/// One process owns a root at a time: it holds an exclusive lock on `.packs/lock`.
public final class PackedObjectStore: SpaceReclaimingObjectStore {
    /// The directory holding the objects, without a trailing `/`.
    public let root: String
    /// Where packs and their index live: `<root>/.packs` (no key can name it).
    public let packDirectory: String
    private let index: PackIndex
    private let writer: PackWriter
    private let readers: PackReaders
    private let legacy: FileSystemObjectStore
    private let io: BlockingIOExecutor
    private let owner: OwnerLock

    /// Opens (creating it if needed) the store at `root`: takes the owner lock
    /// (`.packs/lock`; `inUse` if another process has the store), removes packs that no index
    /// row points into (left by a crash) and starts a new pack for writes, which are closed
    /// once they reach `packSize` bytes.
    public init(root: String, packSize: Int64 = 128 << 20, ioConcurrency: Int = 8) throws {
        var root = root
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        packDirectory = root + "/.packs"
        try DirectoryCreation.createPath(packDirectory)
        owner = try OwnerLock(path: packDirectory + "/lock", store: root)
        // Only the owner may open the old layout: opening it deletes temporary files.
        legacy = try FileSystemObjectStore(root: root, ioConcurrency: 2)
        self.root = legacy.root
        index = try PackIndex(path: packDirectory + "/index.sqlite")
        let referenced = try index.referencedPacks()
        var highest: Int64 = referenced.max() ?? 0
        for entry in try DirectoryWalk.entries(of: packDirectory) ?? [] {
            guard let id = PackFile.id(fromName: entry.name) else { continue }
            highest = max(highest, id)
            if !referenced.contains(id) { try POSIX.removeFile(packDirectory + "/" + entry.name) }
        }
        writer = try PackWriter(directory: packDirectory, index: index, firstId: highest + 1, packSize: packSize)
        readers = PackReaders(directory: packDirectory)
        io = BlockingIOExecutor(label: "blocksnap.object-packs", width: ioConcurrency)
    }

    public func put(_ key: String, _ bytes: [UInt8]) async throws {
        let key = try ObjectKey(key).key
        let reservation = try await io.run { [writer] in
            let reservation = try writer.reserve(length: bytes.count)
            do {
                try bytes.withUnsafeBytes { try reservation.file.write($0, at: reservation.location.offset) }
            } catch {
                writer.finish(reservation)
                throw error
            }
            return reservation
        }
        defer { writer.finish(reservation) }
        try await writer.commit(key: key, reservation)
    }

    public func get(_ key: String) async throws -> [UInt8]? {
        let key = try ObjectKey(key).key
        // nil: the index does not have the key (it may be a file of the old layout).
        let packed = try await io.run { [index, readers] () throws -> [UInt8]? in
            // A compaction may move the object and remove its pack between the lookup and the
            // open: look it up again.
            for _ in 0..<3 {
                guard let location = try index.location(of: key) else { return nil }
                guard let file = try readers.file(location.pack) else { continue }
                guard let bytes = try file.read(location) else {
                    throw FileSystemObjectStoreError.systemCall("pread", file.path, errno: EIO)
                }
                return bytes
            }
            throw FileSystemObjectStoreError.systemCall("open", "pack of \(key)", errno: ENOENT)
        }
        if let packed { return packed }
        return try await legacy.get(key)
    }

    public func exists(_ key: String) async throws -> Bool {
        let key = try ObjectKey(key).key
        if try await io.run({ [index] in try index.location(of: key) != nil }) { return true }
        return try await legacy.exists(key)
    }

    public func delete(_ key: String) async throws {
        let key = try ObjectKey(key).key
        let removed = try await io.run { [index] in try index.remove(key) }
        try await legacy.delete(key)
        if let removed { try await reclaim(removed.pack) }
    }

    public func list(prefix: String) async throws -> [String] {
        let packed = try await io.run { [index] in try index.keys(prefix: prefix) }
        let files = try await legacy.list(prefix: prefix)
        if files.isEmpty { return packed }
        return Array(Set(packed).union(files)).sorted()
    }

    /// Looks at every closed pack: removes those nothing lives in and compacts those more than
    /// half dead (deletes only look at the pack they hit, and not while it is still active).
    public func reclaimSpace() async throws {
        let packs = try await io.run { [packDirectory] in
            try (DirectoryWalk.entries(of: packDirectory) ?? []).compactMap { PackFile.id(fromName: $0.name) }
        }
        for pack in packs.sorted() { try await reclaim(pack) }
    }

    /// Removes `pack` if nothing lives in it any more, or compacts it if more than half of it
    /// is dead; does nothing while the pack is active or being written.
    func reclaim(_ pack: Int64) async throws {
        guard !writer.isBusy(pack) else { return }
        try await io.run { [self] in
            guard writer.beginCompaction(pack) else { return }
            defer { writer.endCompaction(pack) }
            let live = try index.liveBytes(inPack: pack)
            if live > 0 {
                guard let file = try readers.file(pack), live * 2 < (try file.size()) else { return }
                try moveObjects(from: file)
                guard try index.liveBytes(inPack: pack) == 0 else { return }
            }
            readers.forget(pack)
            try POSIX.removeFile(packDirectory + "/" + PackFile.name(pack))
        }
    }

    /// Copies every live object of `source` to the active pack, syncs it, and re-points the rows
    /// that still name their old place.
    private func moveObjects(from source: PackFile) throws {
        var moves: [(key: String, from: PackLocation, to: PackLocation)] = []
        var reservations: [PackWriter.Reservation] = []
        defer { for reservation in reservations { writer.finish(reservation) } }
        for (key, location) in try index.objects(inPack: source.id) {
            guard let bytes = try source.read(location) else {
                throw FileSystemObjectStoreError.systemCall("pread", source.path, errno: EIO)
            }
            let reservation = try writer.reserve(length: bytes.count)
            reservations.append(reservation)
            try bytes.withUnsafeBytes { try reservation.file.write($0, at: reservation.location.offset) }
            moves.append((key, location, reservation.location))
        }
        try PackWriter.sync(reservations)
        try index.move(moves)
    }

    /// Pack files and their total size on disk, for diagnostics and tests.
    public func packFiles() throws -> [(name: String, bytes: Int64)] {
        try (DirectoryWalk.entries(of: packDirectory) ?? []).compactMap { entry in
            guard PackFile.id(fromName: entry.name) != nil else { return nil }
            let fd = try POSIX.openFile(packDirectory + "/" + entry.name, O_RDONLY)
            defer { try? POSIX.closeFile(fd, entry.name) }
            return (entry.name, Int64(try POSIX.regularFileSize(fd, entry.name) ?? 0))
        }.sorted { $0.name < $1.name }
    }
}

/// Open pack files for reading, at most `limit` at once (the oldest-opened is dropped first;
/// a reader still holding it keeps its descriptor until done).
final class PackReaders: @unchecked Sendable {
    private let directory: String
    private let limit: Int
    private let lock = NSLock()
    // Guarded by `lock`.
    private var open: [Int64: PackFile] = [:]
    private var order: [Int64] = []

    init(directory: String, limit: Int = 256) {
        self.directory = directory
        self.limit = limit
    }

    /// Pack `id`, opened if needed; nil if the file no longer exists.
    func file(_ id: Int64) throws -> PackFile? {
        if let file = lock.withLock({ open[id] }) { return file }
        guard let file = try PackFile.open(id: id, in: directory) else { return nil }
        return lock.withLock {
            if let existing = open[id] { return existing }
            open[id] = file
            order.append(id)
            if order.count > limit { open[order.removeFirst()] = nil }
            return file
        }
    }

    /// Drops pack `id` (about to be removed).
    func forget(_ id: Int64) {
        lock.withLock {
            open[id] = nil
            order.removeAll { $0 == id }
        }
    }
}

import Foundation

/// A directory of block manifests, one file per snapshot id. Writes are atomic and durable
/// (temporary file, fsync, rename, fsync of the directory).
public struct BlockManifestStore: Sendable {
    /// The directory, created on the first save.
    public var directory: String

    /// Creates a store over `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    /// Why a manifest could not be loaded or saved.
    public enum StoreError: Error, Sendable, CustomStringConvertible {
        /// A snapshot id that cannot be a file name.
        case invalidSnapshotId(String)
        /// The file exists but is not a valid manifest.
        case invalid(path: String, BlockManifest.FormatError)
        /// The file exists but is for another snapshot.
        case wrongSnapshot(path: String, found: String)
        /// Reading or writing failed.
        case io(ImageFileError)

        public var description: String {
            switch self {
            case .invalidSnapshotId(let id): return "'\(id)' is not a valid snapshot id for a manifest file name"
            case .invalid(let path, let error): return "\(path): \(error)"
            case .wrongSnapshot(let path, let found): return "\(path) describes \(found)"
            case .io(let error): return error.description
            }
        }
    }

    /// The path of the manifest of `snapshotId`.
    public func path(for snapshotId: String) throws(StoreError) -> String {
        guard !snapshotId.isEmpty, !snapshotId.hasPrefix("."),
            snapshotId.utf8.allSatisfy({ $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") })
        else { throw .invalidSnapshotId(snapshotId) }
        return "\(directory)/\(snapshotId).json"
    }

    /// The manifest of `snapshotId`, nil when there is none. Blocking file I/O.
    public func load(snapshotId: String) throws(StoreError) -> BlockManifest? {
        let path = try path(for: snapshotId)
        guard FileCommit.exists(path) else { return nil }
        let bytes: [UInt8]
        do throws(ImageFileError) {
            bytes = try ImageFile.openForReading(path: path).readAll()
        } catch {
            throw .io(error)
        }
        let manifest: BlockManifest
        do throws(BlockManifest.FormatError) {
            manifest = try BlockManifest(decoding: bytes)
        } catch {
            throw .invalid(path: path, error)
        }
        guard manifest.snapshotId == snapshotId else { throw .wrongSnapshot(path: path, found: manifest.snapshotId) }
        return manifest
    }

    /// Writes `manifest` atomically and durably; returns its path. Blocking file I/O.
    @discardableResult
    public func save(_ manifest: BlockManifest) throws -> String {
        let path = try path(for: manifest.snapshotId)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = "\(directory)/.\(manifest.snapshotId).json.\(UInt32.random(in: 0...UInt32.max)).tmp"
        let bytes = try manifest.encoded()
        do throws(ImageFileError) {
            let file = try ImageFile.create(path: temporary, exclusive: true)
            try file.write(bytes, at: 0)
            try file.sync()
            try FileCommit.rename(temporary, to: path)
        } catch {
            FileCommit.remove(temporary)
            throw StoreError.io(error)
        }
        return path
    }

    /// The default directory: `$XDG_CACHE_HOME/blocksnap/manifests`, else `~/.cache/blocksnap/manifests`.
    public static func defaultDirectory(environment: [String: String], homeDirectory: String) -> String {
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") { return "\(cache)/blocksnap/manifests" }
        return "\(homeDirectory)/.cache/blocksnap/manifests"
    }
}

extension UInt8 {
    var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}

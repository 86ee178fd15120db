/// A failure of the filesystem object store: a key it refuses, or a system call that failed.
///
/// Invariant: `errno` is set exactly when `code` is `.systemCall`; `path` names the file or
/// directory involved (never the content).
public struct FileSystemObjectStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidKey
            case systemCall
            case inUse
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The key breaks the key rules (see `ObjectKey`).
        public static let invalidKey = Code(.invalidKey)
        /// A system call failed; see `errno` and `operation`.
        public static let systemCall = Code(.systemCall)
        /// Another process owns the store.
        public static let inUse = Code(.inUse)

        public var description: String { base.rawValue }
    }

    /// The failure's code.
    public let code: Code
    /// The system call (`open`, `fsync`, …) or check that failed.
    public let operation: String
    /// The path or key concerned.
    public let path: String
    /// The `errno` of a failed system call.
    public let errno: Int32?

    /// A key that breaks the key rules.
    static func invalidKey(_ key: String, _ reason: String) -> Self {
        Self(code: .invalidKey, operation: reason, path: key, errno: nil)
    }

    /// A failed system call.
    static func systemCall(_ operation: String, _ path: String, errno: Int32) -> Self {
        Self(code: .systemCall, operation: operation, path: path, errno: errno)
    }

    /// Another process holds the store's owner lock at `path`.
    static func inUse(_ path: String) -> Self {
        Self(code: .inUse, operation: "lock", path: path, errno: nil)
    }

    public var description: String {
        if code == .inUse {
            return "the object store at \(path) is in use by another process (is a blocksnap server running on it?)"
        }
        if let errno {
            return "\(operation)(\(path)) failed: \(POSIX.errorString(errno)) (errno \(errno))"
        }
        return "invalid object key '\(path)': \(operation)"
    }
}

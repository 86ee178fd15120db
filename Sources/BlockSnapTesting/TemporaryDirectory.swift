import Foundation

/// A fresh, uniquely named directory under the system temporary directory, for tests that
/// need a real filesystem. The test removes it with `remove()` when done.
///
/// Invariant: `path` existed and was empty when the value was created.
public struct TemporaryDirectory: Sendable {
    /// Absolute path of the directory, without a trailing `/`.
    public let path: String

    /// Creates `<tmp>/<prefix>-<UUID>`.
    public init(prefix: String = "blocksnap-test") throws {
        let base = FileManager.default.temporaryDirectory.path
        let path = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        self.path = path
    }

    /// The absolute path of `relative` inside the directory.
    public func appending(_ relative: String) -> String { path + "/" + relative }

    /// Deletes the directory and everything in it; errors are ignored.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Durable `mkdir -p`: every directory it creates is fsync'd into its parent, so that a file
/// later renamed into it, and fsync'd there, is reachable after a crash.
enum DirectoryCreation {
    /// Creates `path` and any missing ancestors (absolute or relative to the working directory).
    static func createPath(_ path: String) throws {
        if path.hasPrefix("/") {
            try createChain(below: "/", String(path.dropFirst()))
        } else {
            try createChain(below: ".", path)
        }
    }

    /// Creates each missing directory of the `/`-separated `relative` path below the existing
    /// directory `base`, fsyncing the parent of each one it creates.
    static func createChain(below base: String, _ relative: some StringProtocol) throws {
        var current = base
        for component in relative.split(separator: "/") {
            let next = current == "/" ? "/" + component : current + "/" + component
            if try POSIX.makeDirectory(next) {
                try POSIX.syncDirectory(current)
            }
            current = next
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Measures how many `write(4 KiB) + fsync` rounds per second a directory's disk sustains, so
/// that printed throughput figures of durable stores can be read against the machine's cost
/// of one flush (on a VM it can vary tenfold from one minute to the next).
///
/// Invariant: leaves nothing behind in `directory`.
public enum FsyncProbe {
    /// Rounds per second over `rounds` rounds, or nil if the probe file could not be written.
    public static func syncsPerSecond(in directory: String, rounds: Int = 100) -> Double? {
        let path = directory + "/.fsync-probe"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return nil }
        defer {
            close(fd)
            unlink(path)
        }
        let page = [UInt8](repeating: 0x5A, count: 4096)
        let start = ContinuousClock.now
        for round in 0..<rounds {
            let written = page.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(round % 16) * 4096) }
            guard written == page.count, fsync(fd) == 0 else { return nil }
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(rounds) / seconds
    }
}

import EBSClient
import Foundation

/// Shows a transfer's progress on stderr: a bar redrawn in place on a terminal, plain lines every
/// 5% (at most one per 2 s) otherwise.
///
/// ```
/// uploading [#########-----------]  45%  3686/8192 blocks  480.2 MB/s  ETA 0:09  1200 sent
/// ```
struct ClientProgressBar: Sendable {
    /// The counters to show.
    let progress: TransferProgress
    /// Whether to redraw in place (stderr is a terminal).
    let interactive: Bool

    /// Runs `body` while the progress is shown; the display ends before this returns.
    static func showing<Result: Sendable>(
        _ progress: TransferProgress, _ body: () async throws -> Result
    ) async throws -> Result {
        let bar = ClientProgressBar(progress: progress, interactive: ClientConsole.stderrIsTerminal)
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask { await bar.run() }
            let result = try await body()
            group.cancelAll()
            try await group.waitForAll()
            return result
        }
    }

    /// Draws until cancelled, then draws the final state once.
    func run() async {
        let clock = ContinuousClock()
        var phase = ""
        var drawn = false
        var lastLine = clock.now
        var lastBucket = -1
        while true {
            let reading = progress.read()
            let now = clock.now
            if reading.phase != phase {
                if interactive, drawn { ClientConsole.write("\n") }
                drawn = false
                phase = reading.phase
                lastBucket = -1
            }
            let elapsed = reading.phaseStart.duration(to: reading.isComplete ? reading.lastUpdate : now)
            let cancelled = Task.isCancelled
            if interactive {
                if reading.totalBlocks > 0 {
                    ClientConsole.write("\r" + Self.render(reading, elapsed: elapsed) + "\u{1B}[K")
                    drawn = true
                }
            } else {
                let bucket = Int(reading.fraction * 20)
                let due = bucket > lastBucket && lastLine.duration(to: now) >= .seconds(2)
                let finished = reading.isComplete && bucket > lastBucket
                if reading.totalBlocks > 0, due || finished || (cancelled && bucket > lastBucket) {
                    ClientConsole.line(Self.render(reading, elapsed: elapsed, bar: false))
                    lastBucket = bucket
                    lastLine = now
                }
            }
            if cancelled {
                if interactive, drawn { ClientConsole.write("\n") }
                return
            }
            try? await Task.sleep(for: interactive ? .milliseconds(200) : .milliseconds(250))
        }
    }

    /// One progress line.
    static func render(_ reading: TransferProgress.Reading, elapsed: Duration, bar: Bool = true) -> String {
        let seconds = max(elapsed.clientSeconds, 0.001)
        let rate = Double(reading.doneBytes) / seconds
        let percent = Int((reading.fraction * 100).rounded(.down))
        let total = reading.totalIsFinal ? "\(reading.totalBlocks)" : "\(reading.totalBlocks)+"
        var eta = "--:--"
        if reading.doneBlocks > 0, reading.totalIsFinal {
            let remaining = Double(reading.totalBlocks - reading.doneBlocks) * seconds / Double(reading.doneBlocks)
            eta = formatTime(remaining)
        }
        var parts: [String] = [reading.phase]
        if bar {
            let width = 20
            let filled = Int(reading.fraction * Double(width))
            parts.append(
                "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]")
        }
        parts.append(String(repeating: " ", count: max(0, 3 - String(percent).count)) + "\(percent)%")
        parts.append("\(reading.doneBlocks)/\(total) blocks")
        parts.append(String(format: "%.1f MB/s", rate / 1_000_000))
        parts.append(
            reading.isComplete ? formatTime(seconds) : "ETA \(eta)")
        if reading.phase == "uploading" { parts.append("\(reading.transferredBlocks) sent") }
        return parts.joined(separator: "  ")
    }

    /// `m:ss` or `h:mm:ss`.
    static func formatTime(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }
}

extension Duration {
    /// The duration in seconds.
    var clientSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

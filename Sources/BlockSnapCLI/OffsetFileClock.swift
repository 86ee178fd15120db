import BlockSnapCore
import Foundation

/// A test-only clock: the system time plus the number of seconds written in a file, re-read on
/// every call, so an end-to-end test can move a running server's time forward.
struct OffsetFileClock: WallClock {
    let path: String

    func now() -> Date {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let offset = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        return Date().addingTimeInterval(offset)
    }
}

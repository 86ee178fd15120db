import BlockSnapCore
import Foundation

/// A `WallClock` that only moves when a test moves it. Copies share one time, so a test can
/// hand a copy to the code under test and advance it from outside.
///
/// Invariant: `now()` returns exactly the last time set, plus every `advance` since.
public struct ManualClock: WallClock {
    private let storage: Storage

    /// Creates a clock reading `start` (by default 2023-11-14T22:13:20Z, a whole second).
    public init(_ start: Date = Date(timeIntervalSince1970: 1_700_000_000)) {
        storage = Storage(start)
    }

    /// The clock's current time.
    public func now() -> Date { storage.read() }

    /// Moves the clock forward (or back, for a negative interval) by `seconds`.
    public func advance(by seconds: TimeInterval) { storage.update { $0.addingTimeInterval(seconds) } }

    /// Sets the clock to `date`.
    public func set(_ date: Date) { storage.update { _ in date } }

    private final class Storage: @unchecked Sendable {
        // Guarded by `lock`.
        private var date: Date
        private let lock = NSLock()

        init(_ date: Date) { self.date = date }

        func read() -> Date {
            lock.lock()
            defer { lock.unlock() }
            return date
        }

        func update(_ change: (Date) -> Date) {
            lock.lock()
            defer { lock.unlock() }
            date = change(date)
        }
    }
}

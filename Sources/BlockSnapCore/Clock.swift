import Foundation

/// The source of wall-clock time. Injected so that tests can move time by hand.
public protocol WallClock: Sendable {
    /// The current time.
    func now() -> Date
}

/// The real clock.
public struct SystemWallClock: WallClock {
    /// Creates the system clock.
    public init() {}
    public func now() -> Date { Date() }
}

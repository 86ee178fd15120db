import Foundation

/// Keeps the order of conflicting requests on one connection while letting the others run
/// concurrently. Two requests conflict when their byte ranges overlap and at least one of them
/// changes data (`WRITE`, `WRITE_ZEROES`, `TRIM`); a request waits for every earlier-received
/// request it conflicts with. So overlapping writes land in the order they were received, a
/// read sees every overlapping write received before it and none received after it, and
/// non-overlapping requests (the common case: a copy tool's parallel writes) do not wait.
///
/// `FLUSH` takes no part: it covers the writes already replied to, which have finished.
///
/// Requests are admitted by the connection's reader, in the order they were received.
final class NBDRequestOrdering: @unchecked Sendable {
    /// An admitted request: what it waits for and the signal it fires when done.
    struct Ticket: Sendable {
        fileprivate let id: UInt64
        /// Fired by `finish`.
        fileprivate let done: NBDSignal
        /// The earlier conflicting requests.
        fileprivate let dependencies: [NBDSignal]

        /// Suspends until every earlier conflicting request has finished.
        func waitForDependencies() async {
            for dependency in dependencies { await dependency.wait() }
        }
    }

    private struct Entry {
        let id: UInt64
        let range: Range<UInt64>
        let isWrite: Bool
        let done: NBDSignal
    }

    private let lock = NSLock()
    /// Unfinished requests, in arrival order; guarded by `lock`.
    private var pending: [Entry] = []
    /// Guarded by `lock`.
    private var nextId: UInt64 = 0

    /// Creates an empty ordering.
    init() {}

    /// The number of unfinished admitted requests.
    var count: Int { lock.withLock { pending.count } }

    /// Whether a request touching `range` would have to wait for an unfinished one. A request
    /// that would not, and that the reader runs to completion before it admits the next one,
    /// needs no ticket: no later request can depend on it.
    func conflicts(range: Range<UInt64>, isWrite: Bool) -> Bool {
        lock.withLock { pending.contains { Self.conflict($0, range, isWrite) } }
    }

    /// Admits a request touching `range`; it must call `finish` when done.
    func admit(range: Range<UInt64>, isWrite: Bool) -> Ticket {
        lock.withLock {
            let id = nextId
            nextId += 1
            let dependencies = pending.filter { Self.conflict($0, range, isWrite) }.map(\.done)
            let done = NBDSignal()
            pending.append(Entry(id: id, range: range, isWrite: isWrite, done: done))
            return Ticket(id: id, done: done, dependencies: dependencies)
        }
    }

    private static func conflict(_ entry: Entry, _ range: Range<UInt64>, _ isWrite: Bool) -> Bool {
        (isWrite || entry.isWrite) && entry.range.overlaps(range)
    }

    /// Marks the request finished and wakes the requests waiting for it.
    func finish(_ ticket: Ticket) {
        lock.withLock { pending.removeAll { $0.id == ticket.id } }
        ticket.done.fire()
    }
}

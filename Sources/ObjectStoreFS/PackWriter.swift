import Dispatch
import Foundation

/// Hands out space at the end of the active pack and makes appended objects durable and
/// visible in group commits: one `fdatasync` per pack and one index transaction for every
/// object that finished writing while the previous commit ran.
///
/// ```
///  put A ─ reserve ─ pwrite ─┐ commit                      ┌─ resume A
///  put B ─ reserve ─ pwrite ─┼─► pending ─► drain: fdatasync packs; INSERT rows; COMMIT
///  put C ─ reserve ─ pwrite ─┘  (the next batch gathers meanwhile)  └─ resume B, C
/// ```
///
/// Invariants: a row is inserted only after its pack was synced, and a caller is resumed only
/// after the row is committed; a pack with reserved but unfinished writes is never compacted
/// or removed (`isBusy`); only the active pack receives writes, and pack ids only grow.
final class PackWriter: @unchecked Sendable {
    /// Space handed out by `reserve`; give it back with `finish`.
    struct Reservation: Sendable {
        let file: PackFile
        let location: PackLocation
    }

    private let directory: String
    private let index: PackIndex
    private let packSize: Int64
    private let queue = DispatchQueue(label: "blocksnap.object-packs.commit")
    private let lock = NSLock()
    // Guarded by `lock`.
    private var active: PackFile
    private var activeEnd: Int64 = 0
    private var unfinished: [Int64: Int] = [:]
    private var compacting: Set<Int64> = []
    private var pending: [(key: String, reservation: Reservation, continuation: CheckedContinuation<Void, any Error>)] =
        []
    private var drainScheduled = false

    /// Starts appending to a new pack `firstId` in `directory`; a pack is closed for writes
    /// once it holds `packSize` bytes (a larger object gets a pack of its own).
    init(directory: String, index: PackIndex, firstId: Int64, packSize: Int64) throws {
        self.directory = directory
        self.index = index
        self.packSize = packSize
        active = try PackFile.create(id: firstId, in: directory)
    }

    /// Reserves `length` bytes at the end of the active pack, starting a new pack when it is full.
    func reserve(length: Int) throws -> Reservation {
        try lock.withLock {
            if activeEnd > 0, activeEnd + Int64(length) > packSize {
                active = try PackFile.create(id: active.id + 1, in: directory)
                activeEnd = 0
            }
            let location = PackLocation(pack: active.id, offset: activeEnd, length: length)
            activeEnd += Int64(length)
            unfinished[active.id, default: 0] += 1
            return Reservation(file: active, location: location)
        }
    }

    /// Gives back a reservation once its object was committed or abandoned.
    func finish(_ reservation: Reservation) {
        lock.withLock {
            let pack = reservation.location.pack
            unfinished[pack, default: 1] -= 1
            if unfinished[pack] == 0 { unfinished[pack] = nil }
        }
    }

    /// Whether `pack` is active, has writes in flight or is being compacted.
    func isBusy(_ pack: Int64) -> Bool {
        lock.withLock { isBusyLocked(pack) }
    }

    /// Marks `pack` as being compacted; false if it is busy.
    func beginCompaction(_ pack: Int64) -> Bool {
        lock.withLock {
            guard !isBusyLocked(pack) else { return false }
            compacting.insert(pack)
            return true
        }
    }

    private func isBusyLocked(_ pack: Int64) -> Bool {
        pack == active.id || unfinished[pack] != nil || compacting.contains(pack)
    }

    /// Ends a compaction begun with `beginCompaction`.
    func endCompaction(_ pack: Int64) {
        _ = lock.withLock { compacting.remove(pack) }
    }

    /// Records `key` at the reservation (whose bytes were written) in the next group commit;
    /// returns once the object is durable and indexed.
    func commit(key: String, _ reservation: Reservation) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let schedule = lock.withLock {
                pending.append((key, reservation, continuation))
                defer { drainScheduled = true }
                return !drainScheduled
            }
            if schedule { queue.async { self.drain() } }
        }
    }

    /// Syncs every pack the batch wrote to, then indexes the whole batch in one transaction.
    private func drain() {
        let batch = lock.withLock {
            defer {
                pending = []
                drainScheduled = false
            }
            return pending
        }
        do {
            try Self.sync(batch.map(\.reservation))
            try index.insert(batch.map { ($0.key, $0.reservation.location) })
            for entry in batch { entry.continuation.resume() }
        } catch {
            for entry in batch { entry.continuation.resume(throwing: error) }
        }
    }

    /// Makes the bytes of every reservation durable: one sync per pack they lie in.
    static func sync(_ reservations: [Reservation]) throws {
        var synced: Set<Int64> = []
        for reservation in reservations where synced.insert(reservation.location.pack).inserted {
            try reservation.file.sync()
        }
    }
}

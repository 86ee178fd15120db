/// A volume's durable block state: the checkpoint, the journal since it, and the clean marker.
///
/// Invariants:
/// - `durable` is exactly what a restart would read back (checkpoint + replayed journal).
/// - A record reaches the journal only after the data segments were fsync'd (the caller's order), so a
///   block is durably local only when its bytes are durable.
/// - The clean marker exists only between a clean close and the next open; a volume opened without
///   it was not closed cleanly, and its changed set is widened to every local block.
///
/// Blocking; used only under its volume's flush mutex (or before the volume is published).
final class VolumeMetadata: @unchecked Sendable {
    let layout: VolumeLayout
    /// The state a restart would read back.
    private(set) var durable: DurableBlockState
    /// Whether the clean marker was present when the metadata was loaded.
    let openedClean: Bool
    private let journal: ChangeJournal
    private let checkpointLimit: Int64

    private init(layout: VolumeLayout, durable: DurableBlockState, journal: ChangeJournal, clean: Bool, limit: Int64) {
        self.layout = layout
        self.durable = durable
        self.journal = journal
        self.openedClean = clean
        self.checkpointLimit = limit
    }

    /// Writes the metadata of a new, empty, cleanly closed volume into `layout`.
    static func create(_ layout: VolumeLayout, blockCount: Int64, segmentBytes: Int64) throws {
        let state = DurableBlockState(
            generation: 1, blockCount: blockCount, segmentBytes: segmentBytes, local: Bitmap(), changed: Bitmap())
        try state.writeCheckpoint(layout)
        _ = try ChangeJournal.open(layout, generation: 1)
        try DirectoryOperations.createMarker(layout.cleanPath)
    }

    /// Reads the checkpoint, replays the journal and notes the clean marker. The journal is
    /// folded into a new checkpoint once it exceeds `checkpointBytes` (or twice the bitmaps).
    static func load(_ layout: VolumeLayout, checkpointBytes: Int) throws -> VolumeMetadata {
        var state = try DurableBlockState.readCheckpoint(layout)
        let (journal, records) = try ChangeJournal.open(layout, generation: state.generation)
        for record in records { try state.apply(record) }
        let clean = DirectoryOperations.exists(layout.cleanPath)
        let bitmapBytes = Int64(Bitmap.wordCount(for: state.blockCount) * 16)
        return VolumeMetadata(
            layout: layout, durable: state, journal: journal, clean: clean,
            limit: max(Int64(checkpointBytes), 2 * bitmapBytes))
    }

    /// Records the segment size of a volume upgraded from the version 1 layout, durably (a
    /// version 2 checkpoint).
    func adoptSegmentBytes(_ segmentBytes: Int64) throws {
        durable.segmentBytes = segmentBytes
        try checkpoint()
    }

    /// After an unclean shutdown: counts every local block as changed, durably.
    func widenChangedToLocal() throws {
        durable.changed.formUnion(durable.local)
        try checkpoint()
    }

    /// Removes the clean marker durably: from now on a crash is detected at the next open.
    func markInUse() throws {
        try DirectoryOperations.removeFile(layout.cleanPath, durably: true)
    }

    /// Creates the clean marker durably (after a final flush and checkpoint).
    func markClean() throws {
        try DirectoryOperations.createMarker(layout.cleanPath)
    }

    /// Appends `records` durably and applies them; folds the journal into a checkpoint when it
    /// has grown past its limit. The caller has fsync'd the data segments first.
    func commit(_ records: [JournalRecord]) throws {
        guard !records.isEmpty else { return }
        var next = durable
        for record in records { try next.apply(record) }
        // A checkpoint whose journal reset failed: the old journal is discarded at the next open,
        // so it must be reset before it takes new records.
        if journal.generation != durable.generation { try journal.reset(generation: durable.generation) }
        try journal.append(records)
        durable = next
        if journal.length > checkpointLimit { try checkpoint() }
    }

    /// Writes the durable state as a checkpoint of the next generation and empties the journal.
    func checkpoint() throws {
        var next = durable
        next.generation += 1
        try next.writeCheckpoint(layout)
        durable = next
        try journal.reset(generation: next.generation)
    }
}

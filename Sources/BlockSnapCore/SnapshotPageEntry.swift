/// One snapshot of a `ComputeCatalog.snapshotsPage(visibleTo:after:limit:known:)` page: the
/// whole record, or only its id, owner and revision when the caller said it already holds what
/// it needs of that revision.
///
/// Invariant: a snapshot's revision changes whenever anything in its record changes (its row,
/// tags or create-volume permissions) and is never given to another snapshot, so equal
/// (id, revision) pairs always stand for equal records.
public enum SnapshotPageEntry: Sendable, Equatable {
    /// The record at `revision`.
    case record(SnapshotRecord, revision: Int64)
    /// A snapshot whose `revision` the caller knows.
    case known(id: String, ownerId: String, revision: Int64)

    /// The snapshot's id.
    public var id: String {
        switch self {
        case .record(let record, _): record.id
        case .known(let id, _, _): id
        }
    }

    /// The owning account's id.
    public var ownerId: String {
        switch self {
        case .record(let record, _): record.ownerId
        case .known(_, let ownerId, _): ownerId
        }
    }

    /// The revision the entry stands for.
    public var revision: Int64 {
        switch self {
        case .record(_, let revision), .known(_, _, let revision): revision
        }
    }

    /// The record, unless the caller knew this revision.
    public var record: SnapshotRecord? {
        if case .record(let record, _) = self { return record }
        return nil
    }
}

/// Runs EC2's changes to existing volumes and instances one at a time (ModifyVolume,
/// DeleteVolume, AttachVolume, DetachVolume, Start/Stop/TerminateInstances, CreateSnapshot(s)).
/// Each checks a resource's state, then changes it across several calls to the catalog and the
/// data plane; two at once on one resource could both pass the check (two attachments reported
/// for one volume, a shrink reaching the store), so they wait for each other. Reads and the
/// creation of new resources do not pass through it.
///
/// Invariant: at most one body runs at a time; waiters run in arrival order.
public actor MutationGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init() {}

    /// Runs `body` once every body that arrived earlier has finished.
    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if busy {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            busy = true
        }
        defer {
            if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
        }
        return try await body()
    }
}

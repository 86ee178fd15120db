import BlockSnapCore

/// Runs one account's EC2 changes to existing volumes and instances one at a time (ModifyVolume,
/// DeleteVolume, AttachVolume, DetachVolume, Start/Stop/TerminateInstances, CreateSnapshot(s)).
/// Each checks a resource's state, then changes it across several calls to the catalog and the
/// data plane; two at once on one resource could both pass the check (two attachments reported
/// for one volume, a shrink reaching the store), so they wait for each other. Every resource
/// these operations touch belongs to the caller, so different accounts never wait for each
/// other. Reads and the creation of new resources do not pass through it.
///
/// Invariant: for each account at most one body runs at a time, and its waiters run in arrival
/// order; an account has an entry in `queues` exactly while one of its bodies runs.
public actor MutationGate {
    private var queues: [String: [CheckedContinuation<Void, Never>]] = [:]

    init() {}

    /// Runs `body` once every body of the same account that arrived earlier has finished.
    func run<T: Sendable>(for owner: Account, _ body: @Sendable () async throws -> T) async throws -> T {
        let key = owner.id
        if queues[key] != nil {
            await withCheckedContinuation { queues[key]!.append($0) }
        } else {
            queues[key] = []
        }
        defer {
            if queues[key]!.isEmpty {
                queues[key] = nil
            } else {
                queues[key]!.removeFirst().resume()  // the entry stays: the next body runs now
            }
        }
        return try await body()
    }

    /// How many accounts have a body running (for tests).
    var busyAccounts: Int { queues.count }
}

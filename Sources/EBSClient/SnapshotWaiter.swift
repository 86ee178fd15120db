/// Polls a snapshot until it is completed, failed, or the time is up.
///
/// EC2 DescribeSnapshots is the real status on AWS. Endpoints without an EC2 API (blocksnap
/// before its EC2 front end exists) answer it with an error; then a successful ListSnapshotBlocks
/// counts as completed, and the answers that mean "not yet" (ValidationException,
/// ConflictException) as pending.
///
/// ```
///  ┌─► DescribeSnapshots ── completed ─► done · error ─► failed · pending ─► sleep ─┐
///  │        └─ no EC2 here ─► ListSnapshotBlocks ── ok ─► done · "not yet" ─► sleep ─┤
///  └──────────────────────────────────────────────────── (until the deadline) ◄──────┘
/// ```
public struct SnapshotWaiter: Sendable {
    /// How a wait ended.
    public enum Outcome: Sendable, Equatable {
        /// The snapshot is completed; `via` names the API that said so.
        case completed(via: String)
        /// The snapshot is in the `error` state (or cannot be found), with the reason.
        case failed(String)
        /// The deadline passed while the snapshot was still pending.
        case timedOut(lastState: String)
    }

    /// The EBS client (fallback).
    public var ebs: EBSClient
    /// The EC2 client (preferred); nil to use only the EBS fallback.
    public var ec2: EC2Client?
    /// Receives each state seen, and notices.
    public var onStatus: @Sendable (String) -> Void

    /// Creates a waiter.
    public init(ebs: EBSClient, ec2: EC2Client?, onStatus: @escaping @Sendable (String) -> Void) {
        self.ebs = ebs
        self.ec2 = ec2
        self.onStatus = onStatus
    }

    /// AWS codes of ListSnapshotBlocks that mean the snapshot is not readable yet.
    static let pendingCodes: Set<String> = ["ValidationException", "ConflictException"]
    /// How long a snapshot may be unknown before that counts as failure (AWS is eventually consistent).
    static let notFoundGrace: Duration = .seconds(30)

    /// Polls every `interval` until an outcome or `timeout` has passed on `clock`.
    public func wait<C: Clock>(
        snapshotId: String, timeout: Duration, interval: Duration, clock: C
    ) async throws -> Outcome where C.Duration == Duration {
        let start = clock.now
        let deadline = start.advanced(by: timeout)
        var useEC2 = ec2 != nil
        var lastState = "unknown"
        var notFound: String?  // the last poll's "not found" message, if it was one
        while true {
            let poll = try await pollOnce(snapshotId: snapshotId, useEC2: &useEC2)
            notFound = nil
            switch poll {
            case .done(let outcome):
                return outcome
            case .pending(let state):
                if state != lastState { onStatus(state) }
                lastState = state
            case .notFound(let message):
                if start.duration(to: clock.now) >= Self.notFoundGrace { return .failed(message) }
                lastState = "not found yet"
                notFound = message
            }
            let now = clock.now
            // A snapshot never found by the deadline (shorter than the grace) was not found, not slow.
            guard now < deadline else { return notFound.map { .failed($0) } ?? .timedOut(lastState: lastState) }
            let remaining = now.duration(to: deadline)
            try await clock.sleep(for: min(interval, remaining), tolerance: nil)
        }
    }

    private enum Poll {
        case done(Outcome)
        case pending(String)
        case notFound(String)
    }

    private func pollOnce(snapshotId: String, useEC2: inout Bool) async throws -> Poll {
        if useEC2, let ec2 {
            do {
                let status = try await ec2.describeSnapshot(snapshotId: snapshotId)
                switch status.state {
                case "completed": return .done(.completed(via: "DescribeSnapshots"))
                case "error":
                    return .done(
                        .failed("snapshot \(snapshotId) is in state error: \(status.stateMessage ?? "no reason given")")
                    )
                default: return .pending([status.state, status.progress].compactMap { $0 }.joined(separator: " "))
                }
            } catch let error as AWSClientError {
                switch error.code {
                case "InvalidSnapshot.NotFound": return .notFound(error.description)
                case "InvalidSnapshotID.Malformed", "InvalidParameterValue": return .done(.failed(error.description))
                default:
                    if error.kind == .connect { throw error }
                    let why = error.code ?? error.httpStatus.map { "HTTP \($0)" } ?? error.kind.rawValue
                    onStatus(
                        "EC2 DescribeSnapshots not available at \(error.endpoint) (\(why)); polling ListSnapshotBlocks")
                    useEC2 = false
                }
            }
        }
        do {
            _ = try await ebs.listSnapshotBlocks(snapshotId: snapshotId, maxResults: 100)
            return .done(.completed(via: "ListSnapshotBlocks"))
        } catch let error as AWSClientError where error.kind == .service {
            if let code = error.code, Self.pendingCodes.contains(code) { return .pending("pending") }
            if error.code == "ResourceNotFoundException" { return .notFound(error.description) }
            throw error
        }
    }
}

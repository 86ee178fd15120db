import ArgumentParser
import EBSClient
import Foundation

/// `blocksnap wait SNAP`: block until a snapshot is completed.
public struct WaitCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Wait until a snapshot is completed.",
        discussion: """
            Polls EC2 DescribeSnapshots; where the endpoint has no EC2 API, a snapshot counts as \
            completed once ListSnapshotBlocks succeeds. Exit codes: 0 completed, 1 error state, \
            not found or timed out, 64 usage, 4 credentials.
            """)

    @Argument(help: "The snapshot id.")
    var snapshot: String

    @OptionGroup var connection: ClientConnectionOptions

    @Option(help: "Seconds to wait at most.")
    var timeout: Double = 3600

    @Option(help: "Seconds between polls.")
    var interval: Double = 5

    public init() {}

    public func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        guard interval > 0 else { throw ValidationError("--interval must be positive") }
    }

    public func run() async throws {
        try await ClientFailure.run {
            let outcome = try await ClientConnection.with(connection, connections: 2) { connection in
                let waiter = SnapshotWaiter(ebs: connection.ebs, ec2: connection.ec2) {
                    ClientConsole.line("status: \($0)")
                }
                return try await waiter.wait(
                    snapshotId: snapshot, timeout: .milliseconds(Int64(timeout * 1000)),
                    interval: .milliseconds(Int64(interval * 1000)), clock: ContinuousClock())
            }
            try Self.report(outcome, snapshotId: snapshot)
        }
    }

    /// Prints the outcome on stderr; throws exit code 1 unless the snapshot is completed.
    static func report(_ outcome: SnapshotWaiter.Outcome, snapshotId: String) throws {
        switch outcome {
        case .completed(let via):
            ClientConsole.line("\(snapshotId) completed (per \(via))")
        case .failed(let message):
            ClientConsole.error(message)
            throw ExitCode(ClientFailure.serviceFailure)
        case .timedOut(let lastState):
            ClientConsole.error("timed out waiting for \(snapshotId) (last seen: \(lastState))")
            throw ExitCode(ClientFailure.serviceFailure)
        }
    }
}

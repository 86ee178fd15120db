import ArgumentParser
import EBSClient
import Foundation

/// `blocksnap upload IMAGE`: a raw image into a new snapshot through the EBS direct APIs.
public struct UploadCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Upload a raw disk image into a new EBS snapshot; prints the snapshot id last on stdout.",
        discussion: """
            Blocks of zeros are skipped when there is no parent. With --parent only the blocks that \
            differ from the parent are sent (a zero block over a parent's data is sent, to hide it). \
            The parent's block digests come from the manifest a previous upload from this machine \
            saved; without one the parent is read once in full. A block is taken as unchanged when \
            its XXH3-128 fingerprint equals the one in the parent's manifest (--compare sha256 \
            compares SHA-256 digests instead, at several times the CPU). Progress goes to stderr. \
            Exit codes: 0 ok, 1 service or network error, 64 usage, 3 local file, 4 credentials.
            """)

    @Argument(help: "The raw image file (or block device) to upload.")
    var image: String

    @OptionGroup var connection: ClientConnectionOptions

    @Option(name: .customLong("description"), help: "The snapshot's description (up to 255 characters).")
    var snapshotDescription: String?

    @Option(help: "Parent snapshot id: upload only the blocks that differ from it.")
    var parent: String?

    @Option(help: "Blocks in flight at once.")
    var concurrency = 8

    @Option(help: "With --parent: how unchanged blocks are recognised, 'fingerprint' (XXH3-128, fast) or 'sha256'.")
    var compare: SnapshotUploader.Comparison = .fingerprint

    @Option(help: "Volume size in GiB (default: the image size rounded up to a GiB, at least the parent's).")
    var volumeSize: Int64?

    @Option(help: "Minutes after which the service cancels the snapshot if it is not completed (10-4320).")
    var snapshotTimeout: Int?

    @Option(help: "Where block manifests are kept (default: $XDG_CACHE_HOME or ~/.cache, /blocksnap/manifests).")
    var manifestDir: String?

    @Flag(help: "Neither read nor write block manifests.")
    var noManifest = false

    @Flag(help: "After CompleteSnapshot, wait until the snapshot is completed.")
    var wait = false

    @Option(help: "With --wait: seconds to wait at most.")
    var waitTimeout: Double = 3600

    public init() {}

    public func validate() throws {
        guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be 1 to 256") }
        if let volumeSize, !(1...65_536).contains(volumeSize) {
            throw ValidationError("--volume-size must be 1 to 65536 GiB")
        }
        if let snapshotTimeout, !(10...4320).contains(snapshotTimeout) {
            throw ValidationError("--snapshot-timeout must be 10 to 4320 minutes")
        }
        if let snapshotDescription, snapshotDescription.count > 255 {
            throw ValidationError("--description must be at most 255 characters")
        }
        guard waitTimeout > 0 else { throw ValidationError("--wait-timeout must be positive") }
    }

    public func run() async throws {
        try await ClientFailure.run {
            let manifests =
                noManifest
                ? nil
                : BlockManifestStore(
                    directory: manifestDir
                        ?? BlockManifestStore.defaultDirectory(
                            environment: ClientEnvironment.variables, homeDirectory: ClientEnvironment.homeDirectory))
            let progress = TransferProgress()
            let clock = ContinuousClock()
            let start = clock.now
            let outcome = try await ClientConnection.with(connection, connections: concurrency) { connection in
                let uploader = SnapshotUploader(
                    client: connection.ebs, manifests: manifests, progress: progress, notice: ClientConsole.notice)
                let options = SnapshotUploader.Options(
                    imagePath: image, volumeSizeGiB: volumeSize, description: snapshotDescription,
                    parentSnapshotId: parent, concurrency: concurrency, clientToken: UUID().uuidString,
                    timeoutMinutes: snapshotTimeout, compare: compare)
                let outcome = try await ClientProgressBar.showing(progress) { try await uploader.upload(options) }
                ClientConsole.line(Self.summary(outcome, elapsed: start.duration(to: clock.now)))
                if wait {
                    let waiter = SnapshotWaiter(ebs: connection.ebs, ec2: connection.ec2) {
                        ClientConsole.line("status: \($0)")
                    }
                    try WaitCommand.report(
                        try await waiter.wait(
                            snapshotId: outcome.snapshotId, timeout: .milliseconds(Int64(waitTimeout * 1000)),
                            interval: .seconds(2), clock: clock),
                        snapshotId: outcome.snapshotId)
                }
                return outcome
            }
            print(outcome.snapshotId)
        }
    }

    static func summary(_ outcome: SnapshotUploader.Outcome, elapsed: Duration) -> String {
        let seconds = max(elapsed.clientSeconds, 0.001)
        let rate = Double(outcome.imageBytes) / seconds / 1_000_000
        var text =
            "\(outcome.snapshotId): sent \(outcome.blocksSent) of \(outcome.blocksExamined) blocks examined "
            + "(\(outcome.imageBytes) byte image, \(outcome.volumeSizeGiB) GiB volume) in "
            + String(format: "%.1f s, %.1f MB/s; status %@", seconds, rate, outcome.status)
        if outcome.parentSource != .none { text += "; parent digests from \(outcome.parentSource.rawValue)" }
        return text
    }
}

extension SnapshotUploader.Comparison: ExpressibleByArgument {}

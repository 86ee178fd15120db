import ArgumentParser
import EBSClient
import Foundation

/// `blocksnap download SNAP IMAGE`: a snapshot into a sparse raw image through the EBS direct APIs.
public struct DownloadCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download a snapshot into a sparse raw image file of its volume size.",
        discussion: """
            Every block is checked against its SHA-256 before it is written; blocks of zeros are \
            left as holes. The file is written as IMAGE.partial and renamed when complete. \
            Exit codes: 0 ok, 1 service or network error, 64 usage, 3 local file, 4 credentials.
            """)

    @Argument(help: "The snapshot id.")
    var snapshot: String

    @Argument(help: "The image file to create.")
    var image: String

    @OptionGroup var connection: ClientConnectionOptions

    @Option(help: "Blocks in flight at once.")
    var concurrency = 8

    @Flag(help: "Replace IMAGE if it exists.")
    var force = false

    public init() {}

    public func validate() throws {
        guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be 1 to 256") }
    }

    public func run() async throws {
        try await ClientFailure.run {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: image, isDirectory: &isDirectory) {
                guard !isDirectory.boolValue else {
                    throw ImageFileError(path: image, operation: "write", errno: EISDIR)
                }
                let attributes = try? FileManager.default.attributesOfItem(atPath: image)
                if let type = attributes?[.type] as? FileAttributeType, type != .typeRegular, type != .typeSymbolicLink
                {
                    throw ImageFileError(
                        path: image, operation: "write", errno: 0,
                        detail: "not a regular file (writing to devices is not supported)")
                }
            }
            let progress = TransferProgress()
            let clock = ContinuousClock()
            let start = clock.now
            let outcome = try await ClientConnection.with(connection, connections: concurrency) { connection in
                let downloader = SnapshotDownloader(client: connection.ebs, progress: progress)
                return try await ClientProgressBar.showing(progress) {
                    try await downloader.download(
                        snapshotId: snapshot, to: image, force: force, concurrency: concurrency)
                }
            }
            let seconds = max(start.duration(to: clock.now).clientSeconds, 0.001)
            let bytes = Double(outcome.blocksFetched) * Double(EBSBlocks.blockSize)
            ClientConsole.line(
                "\(snapshot) → \(image): \(outcome.blocksFetched) blocks fetched, \(outcome.blocksWritten) written "
                    + "(\(outcome.volumeSizeGiB) GiB sparse file) in "
                    + String(format: "%.1f s, %.1f MB/s", seconds, bytes / seconds / 1_000_000))
        }
    }
}

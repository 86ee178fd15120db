import ArgumentParser

/// The `blocksnap` command tree.
public struct BlockSnapCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "blocksnap",
        abstract: "A self-hosted EBS snapshot service and client.",
        subcommands: [ServeCommand.self, AccountCommand.self, UploadCommand.self, DownloadCommand.self, WaitCommand.self]
    )
    public init() {}
}

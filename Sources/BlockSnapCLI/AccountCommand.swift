import ArgumentParser
import BlockSnapCore
import Foundation
import Services

/// `blocksnap account …`: manage accounts in a data directory, also while the server runs.
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account", abstract: "Manage accounts.", subcommands: [Create.self])

    /// `blocksnap account create NAME`
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account and print its id and keys as one JSON object.")

        @Argument(help: "A unique name for the account.")
        var name: String

        @Option(help: "The server's data directory.")
        var dataDir = "./blocksnap-data"

        func run() async throws {
            let storage = try Storage.openEmbedded(dataDirectory: dataDir)
            let accounts = AccountService(catalog: storage.catalog, ids: ResourceIdentifiers(), clock: SystemWallClock())
            do {
                let created = try await accounts.create(name: name)
                let object: [String: String] = [
                    "AccountId": created.account.id,
                    "AccessKeyId": created.key.accessKeyId,
                    "SecretAccessKey": created.key.secretAccessKey,
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } catch let error as ServiceError {
                throw ValidationError(error.message)
            }
        }
    }
}

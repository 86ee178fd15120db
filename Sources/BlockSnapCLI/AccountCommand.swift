import ArgumentParser
import BlockSnapCore
import Foundation
import NBDServer
import Services

/// `blocksnap account …`: manage accounts in a data directory, also while the server runs.
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account", abstract: "Manage accounts.", subcommands: [Create.self, NBDCertificate.self])

    /// `blocksnap account create NAME`
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account and print its id and keys as one JSON object.")

        @Argument(help: "A unique name for the account.")
        var name: String

        @Option(help: "The server's data directory.")
        var dataDir = "./blocksnap-data"

        func run() async throws {
            let catalog = try Storage.openCatalog(dataDirectory: dataDir)
            let accounts = AccountService(catalog: catalog, ids: ResourceIdentifiers(), clock: SystemWallClock())
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

    /// `blocksnap account nbd-certificate ACCOUNT_ID --out DIR`
    struct NBDCertificate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "nbd-certificate",
            abstract: "Issue a client certificate that opens the account's volumes over NBD with TLS.",
            discussion: """
                Writes ca-cert.pem, client-cert.pem and client-key.pem into the output folder, the \
                layout libnbd reads from tls-certificates=DIR (e.g. nbdcopy 'nbds://HOST/VOLUME?tls-certificates=DIR').
                """)

        @Argument(help: "The 12-digit account id.")
        var accountId: String

        @Option(help: "The folder to write the certificate files into (created if needed).")
        var out: String

        @Option(help: "The server's data directory.")
        var dataDir = "./blocksnap-data"

        func run() async throws {
            let catalog = try Storage.openCatalog(dataDirectory: dataDir)
            guard try await catalog.account(id: accountId) != nil else {
                throw ValidationError("no account \(accountId) in \(dataDir)")
            }
            let authority = try NBDCertificateAuthority.openOrCreate(
                directory: ServerConfiguration.nbdTLSDirectory(dataDirectory: dataDir))
            let issued = try authority.issueClientCertificate(accountId: accountId)
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try Self.replace(out + "/ca-cert.pem", authority.certificatePEM, mode: 0o644)
            try Self.replace(out + "/client-cert.pem", issued.certificatePEM, mode: 0o644)
            try Self.replace(out + "/client-key.pem", issued.keyPEM, mode: 0o600)
            print("wrote ca-cert.pem, client-cert.pem and client-key.pem for account \(accountId) to \(out)")
        }

        private static func replace(_ path: String, _ text: String, mode: Int) throws {
            try? FileManager.default.removeItem(atPath: path)
            try NBDCertificateAuthority.writeFile(text, to: path, mode: mode)
        }
    }
}

import AWSSigV4
import ArgumentParser
import EBSClient
import Foundation

/// `--endpoint`, `--profile`, `--region`: where, and as whom, the client commands call AWS.
struct ClientConnectionOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Endpoint URL of the service, e.g. http://127.0.0.1:8788 (used for EBS and EC2).",
            discussion: "Default: AWS_ENDPOINT_URL_EBS, AWS_ENDPOINT_URL, the profile's endpoint_url, "
                + "else https://ebs.REGION.amazonaws.com."))
    var endpoint: String?

    @Option(
        help: ArgumentHelp(
            "Profile in the shared credentials and config files.",
            discussion: "Default: AWS_PROFILE, else 'default'. Without --profile, AWS_ACCESS_KEY_ID and "
                + "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) take precedence over the files."))
    var profile: String?

    @Option(help: "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, us-east-1).")
    var region: String?

    /// Credentials, region and endpoints from these options, the environment and the AWS files.
    func settings() throws(AWSConfigurationError) -> AWSClientSettings {
        try ClientEnvironment.profileLoader().resolve(profile: profile, region: region, endpoint: endpoint)
    }
}

/// The process environment, read only here at the entry point and passed down.
enum ClientEnvironment {
    static var variables: [String: String] { ProcessInfo.processInfo.environment }

    static var homeDirectory: String {
        if let home = variables["HOME"], !home.isEmpty { return home }
        return FileManager.default.homeDirectoryForCurrentUser.path
    }

    static func profileLoader() -> AWSProfileLoader {
        AWSProfileLoader(environment: variables, homeDirectory: homeDirectory) { path in
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            return String(decoding: data, as: UTF8.self)
        }
    }
}

/// A session and the two clients over it, for one command.
struct ClientConnection: Sendable {
    let settings: AWSClientSettings
    let session: AWSSession
    let ebs: EBSClient
    let ec2: EC2Client

    /// Resolves the options, opens a session with `connections` connections per host, runs `body`,
    /// and shuts the session down whatever happens.
    static func with<Result: Sendable>(
        _ options: ClientConnectionOptions, connections: Int,
        _ body: (ClientConnection) async throws -> Result
    ) async throws -> Result {
        let settings = try options.settings()
        let session = AWSSession(
            configuration: AWSSessionConfiguration(
                credentials: settings.credentials, region: settings.region, maxConnectionsPerHost: connections))
        let connection = ClientConnection(
            settings: settings, session: session, ebs: EBSClient(session: session, endpoint: settings.ebsEndpoint),
            ec2: EC2Client(session: session, endpoint: settings.ec2Endpoint))
        do {
            let result = try await body(connection)
            try? await session.shutdown()
            return result
        } catch let error as ExitCode {
            try? await session.shutdown()
            throw error
        } catch {
            try? await session.shutdown()
            throw ClientFailure.Context(error: error, settings: settings)
        }
    }
}

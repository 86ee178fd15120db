import AWSSigV4

/// What a client needs to call AWS, resolved once at the entry point.
public struct AWSClientSettings: Sendable, Equatable {
    /// The key pair (and session token) to sign with.
    public var credentials: SigV4Credentials
    /// Where the credentials came from, for messages: `environment` or `profile NAME`.
    public var credentialSource: String
    /// The signing region.
    public var region: String
    /// The EBS direct API endpoint.
    public var ebsEndpoint: AWSEndpoint
    /// The EC2 API endpoint (used to poll snapshot status).
    public var ec2Endpoint: AWSEndpoint

    /// Creates settings from their parts.
    public init(
        credentials: SigV4Credentials, credentialSource: String, region: String, ebsEndpoint: AWSEndpoint,
        ec2Endpoint: AWSEndpoint
    ) {
        self.credentials = credentials
        self.credentialSource = credentialSource
        self.region = region
        self.ebsEndpoint = ebsEndpoint
        self.ec2Endpoint = ec2Endpoint
    }
}

/// Resolves credentials, region and endpoints the way the AWS CLI does, from command-line options,
/// an environment and the shared credentials and config files.
///
/// Order: credentials from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN` unless a
/// profile is given on the command line, else from the profile (option, `AWS_PROFILE`, `default`)
/// in the credentials file, then the config file. Region: option, `AWS_REGION`, `AWS_DEFAULT_REGION`,
/// the profile's `region`, `us-east-1`. Endpoint: option (for both services),
/// `AWS_ENDPOINT_URL_EBS`/`AWS_ENDPOINT_URL_EC2`, `AWS_ENDPOINT_URL`, the profile's `endpoint_url`,
/// the public AWS endpoint of the region.
public struct AWSProfileLoader: Sendable {
    /// The process environment (passed in; this library never reads it itself).
    public var environment: [String: String]
    /// The user's home directory, for `~/.aws/...`.
    public var homeDirectory: String
    /// Reads a whole file; nil when it does not exist or cannot be read.
    public var readFile: @Sendable (String) -> String?

    /// Creates a loader over an environment, a home directory and a file reader.
    public init(environment: [String: String], homeDirectory: String, readFile: @escaping @Sendable (String) -> String?)
    {
        self.environment = environment
        self.homeDirectory = homeDirectory
        self.readFile = readFile
    }

    /// The credentials file path: `AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`.
    public var credentialsFilePath: String {
        expandHome(nonEmpty("AWS_SHARED_CREDENTIALS_FILE") ?? "~/.aws/credentials")
    }

    /// The config file path: `AWS_CONFIG_FILE` or `~/.aws/config`.
    public var configFilePath: String {
        expandHome(nonEmpty("AWS_CONFIG_FILE") ?? "~/.aws/config")
    }

    /// Resolves the settings for the given command-line options (nil when not given).
    public func resolve(profile profileOption: String?, region regionOption: String?, endpoint endpointOption: String?)
        throws(AWSConfigurationError) -> AWSClientSettings
    {
        let credentialsPath = credentialsFilePath
        let configPath = configFilePath
        let credentialsFile = readFile(credentialsPath).map(AWSIniFile.init(parsing:))
        let configFile = readFile(configPath).map(AWSIniFile.init(parsing:))
        let searched = [credentialsPath, configPath]

        let explicitProfile = profileOption ?? nonEmpty("AWS_PROFILE")
        let profileName = explicitProfile ?? "default"
        let fromCredentials = credentialsFile?.credentialsProfile(profileName)
        let fromConfig = configFile?.configProfile(profileName)

        let credentials: SigV4Credentials
        let source: String
        if profileOption == nil, let keyId = nonEmpty("AWS_ACCESS_KEY_ID"),
            let secret = nonEmpty("AWS_SECRET_ACCESS_KEY")
        {
            credentials = SigV4Credentials(
                accessKeyId: keyId, secretAccessKey: secret, sessionToken: nonEmpty("AWS_SESSION_TOKEN"))
            source = "environment"
        } else {
            if let explicitProfile, fromCredentials == nil, fromConfig == nil {
                throw .profileNotFound(profile: explicitProfile, searched: searched)
            }
            credentials = try Self.credentials(
                profile: profileName, sections: [(fromCredentials, credentialsPath), (fromConfig, configPath)],
                searched: searched)
            source = "profile \(profileName)"
        }

        let region =
            regionOption.flatMap { $0.isEmpty ? nil : $0 } ?? nonEmpty("AWS_REGION") ?? nonEmpty("AWS_DEFAULT_REGION")
            ?? fromConfig?["region"] ?? fromCredentials?["region"] ?? "us-east-1"

        func endpoint(service: String) throws(AWSConfigurationError) -> AWSEndpoint {
            let configured =
                endpointOption ?? nonEmpty("AWS_ENDPOINT_URL_\(service.uppercased())") ?? nonEmpty("AWS_ENDPOINT_URL")
                ?? fromConfig?["endpoint_url"] ?? fromCredentials?["endpoint_url"]
            guard let configured, !configured.isEmpty else { return .aws(service: service, region: region) }
            return try AWSEndpoint(parsing: configured)
        }

        return AWSClientSettings(
            credentials: credentials, credentialSource: source, region: region,
            ebsEndpoint: try endpoint(service: "ebs"), ec2Endpoint: try endpoint(service: "ec2"))
    }

    /// The key pair of the first section (credentials file, then config file) that has one.
    private static func credentials(
        profile: String, sections: [([String: String]?, String)], searched: [String]
    ) throws(AWSConfigurationError) -> SigV4Credentials {
        for (section, path) in sections {
            guard let section else { continue }
            let keyId = section["aws_access_key_id"].flatMap { $0.isEmpty ? nil : $0 }
            let secret = section["aws_secret_access_key"].flatMap { $0.isEmpty ? nil : $0 }
            switch (keyId, secret) {
            case (let keyId?, let secret?):
                let token = section["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 }
                return SigV4Credentials(accessKeyId: keyId, secretAccessKey: secret, sessionToken: token)
            case (nil, nil):
                continue
            default:
                throw .incompleteCredentials(profile: profile, file: path)
            }
        }
        let unsupported = ["role_arn", "credential_process", "sso_session", "sso_start_url", "web_identity_token_file"]
        for (section, _) in sections {
            if let setting = unsupported.first(where: { section?[$0] != nil }) {
                throw .unsupportedCredentialSource(profile: profile, setting: setting)
            }
        }
        throw .missingCredentials(profile: profile, searched: searched)
    }

    private func nonEmpty(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    private func expandHome(_ path: String) -> String {
        if path == "~" { return homeDirectory }
        if path.hasPrefix("~/") { return homeDirectory + path.dropFirst() }
        return path
    }
}

/// Why credentials, region or endpoint could not be resolved from options, environment and files.
public enum AWSConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An endpoint that is not an `http://` or `https://` URL.
    case invalidEndpoint(String)
    /// A profile named explicitly that neither file defines.
    case profileNotFound(profile: String, searched: [String])
    /// No access key pair anywhere it was looked for.
    case missingCredentials(profile: String, searched: [String])
    /// A profile that sets only one half of the key pair.
    case incompleteCredentials(profile: String, file: String)
    /// A profile that gets its credentials in a way this client does not implement.
    case unsupportedCredentialSource(profile: String, setting: String)

    public var description: String {
        switch self {
        case .invalidEndpoint(let url):
            return "invalid endpoint '\(url)': expected http://HOST[:PORT] or https://HOST[:PORT]"
        case .profileNotFound(let profile, let searched):
            return "profile '\(profile)' not found in \(searched.joined(separator: " or "))"
        case .missingCredentials(let profile, let searched):
            return "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give profile '\(profile)' "
                + "aws_access_key_id and aws_secret_access_key in \(searched.joined(separator: " or "))"
        case .incompleteCredentials(let profile, let file):
            return "profile '\(profile)' in \(file) needs both aws_access_key_id and aws_secret_access_key"
        case .unsupportedCredentialSource(let profile, let setting):
            return "profile '\(profile)' uses \(setting), which blocksnap does not support; export static keys "
                + "instead (e.g. eval \"$(aws configure export-credentials --profile \(profile) --format env)\")"
        }
    }
}

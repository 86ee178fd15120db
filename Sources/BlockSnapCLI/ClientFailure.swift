import ArgumentParser
import EBSClient
import Foundation

/// How the client commands end when something fails: one `error:` line on stderr a person can act
/// on, and an exit code a script can switch on.
///
/// | code | meaning |
/// |---|---|
/// | 0 | success |
/// | 1 | the service refused or failed (AWS error code shown), cannot connect, wait timed out |
/// | 64 | usage: bad options or arguments (EX_USAGE, as ArgumentParser exits for parse errors) |
/// | 3 | local file: image missing or unreadable, target exists, write failed |
/// | 4 | credentials missing or rejected |
enum ClientFailure {
    /// Exit code for service and network failures.
    static let serviceFailure: Int32 = 1
    /// Exit code for usage errors: ArgumentParser's `validationFailure` (EX_USAGE), so that every
    /// usage error, whether caught while parsing or later, exits alike.
    static let usage: Int32 = ExitCode.validationFailure.rawValue
    /// Exit code for local file errors.
    static let localFile: Int32 = 3
    /// Exit code for missing or rejected credentials.
    static let credentials: Int32 = 4

    /// An error together with the settings in force, for better hints.
    struct Context: Error {
        var error: any Error
        var settings: AWSClientSettings?
    }

    /// Runs a client command, mapping any failure to a message and an exit code.
    static func run(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch {
            let (code, message) = describe(error)
            ClientConsole.error(message)
            throw ExitCode(code)
        }
    }

    /// The exit code and message of a failure.
    static func describe(_ error: any Error) -> (Int32, String) {
        var settings: AWSClientSettings?
        var error = error
        if let context = error as? Context {
            settings = context.settings
            error = context.error
        }
        switch error {
        case let error as AWSConfigurationError:
            if case .invalidEndpoint = error { return (usage, error.description) }
            return (credentials, error.description)
        case let error as AWSClientError:
            if error.isCredentialError {
                var hint = ""
                if let settings {
                    hint =
                        "\nhint: check the keys of \(settings.credentialSource), the region (\(settings.region))"
                        + " and the system clock"
                }
                return (credentials, "credentials rejected by \(error.endpoint): \(error)\(hint)")
            }
            if error.kind == .connect {
                return (serviceFailure, "\(error)\nhint: is the server running? check --endpoint or AWS_ENDPOINT_URL")
            }
            let requestId = error.requestId.map { " [request \($0)]" } ?? ""
            return (serviceFailure, "\(error)\(requestId)")
        case let error as ImageFileError:
            return (localFile, error.description)
        case let error as SnapshotUploader.UploadError:
            if case .imageLargerThanVolume = error { return (usage, error.description) }
            return (serviceFailure, error.description)
        case let error as SnapshotDownloader.DownloadError:
            if case .targetExists = error { return (localFile, error.description) }
            return (serviceFailure, error.description)
        case is CancellationError:
            return (130, "interrupted")
        default:
            return (serviceFailure, "\(error)")
        }
    }
}

/// Writes to stderr, which carries all human-facing output of the client commands.
enum ClientConsole {
    /// Whether stderr is a terminal.
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Writes `text` to stderr as is.
    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Writes one line to stderr.
    static func line(_ text: String) {
        write(text + "\n")
    }

    /// Writes `error: …` to stderr.
    static func error(_ text: String) {
        line("error: \(text)")
    }

    /// Writes `note: …` to stderr.
    static func notice(_ text: String) {
        line("note: \(text)")
    }
}

import BlockSnapCore

/// EC2's ClientToken rule for the calls that take one (RunInstances, CreateVolume):
/// "Constraints: Maximum 64 ASCII characters".
enum EC2ClientToken {
    static let maxLength = 64

    /// Refuses a token longer than 64 characters or holding a non-ASCII one.
    static func validate(_ token: String?) throws {
        guard let token else { return }
        guard token.unicodeScalars.count <= maxLength, token.unicodeScalars.allSatisfy(\.isASCII) else {
            throw ServiceError(
                .invalidParameterValue,
                "Value (\(token)) for parameter clientToken is invalid. Maximum \(maxLength) ASCII characters.")
        }
    }
}

import Crypto
import Foundation

/// Access key, secret key and optional session token used to sign requests.
public struct SigV4Credentials: Sendable, Equatable {
    /// The access key id, e.g. `AKIDEXAMPLE`; it appears in the credential scope.
    public var accessKeyId: String
    /// The secret access key; never leaves this process.
    public var secretAccessKey: String
    /// The STS session token, sent as `X-Amz-Security-Token` when present.
    public var sessionToken: String?

    /// Creates credentials; `sessionToken` is only set for temporary credentials.
    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

/// Constants and small helpers of AWS Signature Version 4.
public enum SigV4 {
    /// The payload hash a client sends when it does not sign the body.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// The only signing algorithm this module speaks.
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// The last component of every credential scope.
    public static let scopeTerminator = "aws4_request"
    /// Hex SHA-256 of the empty body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// Largest `X-Amz-Expires` AWS accepts for a presigned request: seven days.
    public static let maxPresignedExpires = 604_800
    /// Allowed difference between a header-signed request's date and the server's clock.
    public static let maxClockSkew: TimeInterval = 15 * 60

    /// Lowercase hex SHA-256 of `bytes`.
    public static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(bytes))
        return hexString(hasher.finalize())
    }

    /// Lowercase hex SHA-256 of `bytes` (fast path for arrays).
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        hexString(SHA256.hash(data: bytes))
    }

    /// Lowercase hex SHA-256 of the UTF-8 encoding of `string`.
    public static func sha256Hex(_ string: String) -> String {
        hexString(SHA256.hash(data: Array(string.utf8)))
    }

    /// Lowercase hex of `bytes`.
    static func hexString(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Compares two byte strings in time that depends only on their lengths.
    static func constantTimeEquals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(lhs, rhs) {
            difference |= a ^ b
        }
        return difference == 0
    }
}

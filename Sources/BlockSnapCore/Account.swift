import Foundation

/// An account: the unit of ownership and isolation. `id` is 12 decimal digits.
public struct Account: Sendable, Equatable, Codable {
    /// 12-digit account id.
    public var id: String
    /// Unique human name.
    public var name: String
    /// When it was created.
    public var createdAt: Date

    /// Creates an account value.
    public init(id: String, name: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}

/// An access key pair belonging to one account. The secret never appears in logs.
public struct AccessKey: Sendable, Equatable {
    /// Public key id, e.g. `AKIA…` (20 characters).
    public var accessKeyId: String
    /// The secret used to verify SigV4 signatures.
    public var secretAccessKey: String
    /// The owning account.
    public var accountId: String

    /// Creates an access key value.
    public init(accessKeyId: String, secretAccessKey: String, accountId: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.accountId = accountId
    }
}

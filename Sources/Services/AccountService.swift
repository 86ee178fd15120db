import BlockSnapCore
import Foundation
import Synchronization

/// Creates accounts and resolves access keys. Account names and access key ids are unique;
/// secrets are returned only to the caller that created them and never logged.
public struct AccountService: Sendable {
    private let catalog: any Catalog
    private let ids: ResourceIdentifiers
    private let clock: any WallClock
    private let resolved = ResolvedKeys()

    /// Keys already looked up. Access keys and accounts are never changed or removed once
    /// created, so a resolved key stays valid; unknown keys are not remembered.
    private final class ResolvedKeys: Sendable {
        let entries = Mutex<[String: (AccessKey, Account)]>([:])
    }

    /// Creates the service.
    public init(catalog: any Catalog, ids: ResourceIdentifiers, clock: any WallClock) {
        self.catalog = catalog
        self.ids = ids
        self.clock = clock
    }

    /// The name of the account the first start creates.
    public static let rootAccountName = "root"

    /// A new account with its first key.
    public struct Created: Sendable {
        public var account: Account
        public var key: AccessKey
    }

    /// Creates an account named `name`, with `keys` if given, else fresh random keys.
    public func create(name: String, keys: (id: String, secret: String)? = nil) async throws -> Created {
        guard !name.isEmpty, name.count <= 64 else {
            throw ServiceError(.invalidParameterValue, "Account names are 1–64 characters.")
        }
        if try await catalog.account(named: name) != nil {
            throw ServiceError(.invalidParameterValue, "An account named '\(name)' already exists.")
        }
        let account = Account(id: ids.accountId(), name: name, createdAt: clock.now())
        let key = AccessKey(
            accessKeyId: keys?.id ?? ids.accessKeyId(),
            secretAccessKey: keys?.secret ?? ids.secretAccessKey(),
            accountId: account.id)
        try await catalog.createAccount(account, key: key)
        return Created(account: account, key: key)
    }

    /// The root account, created with `keys` (or random keys) if there is none yet.
    /// Returns the created keys only when this call created the account.
    public func bootstrapRoot(keys: (id: String, secret: String)?) async throws -> (Account, created: AccessKey?) {
        if let existing = try await catalog.account(named: Self.rootAccountName) {
            return (existing, nil)
        }
        let created = try await create(name: Self.rootAccountName, keys: keys)
        return (created.account, created.key)
    }

    /// The key with this id and its account, if both exist.
    public func resolve(accessKeyId: String) async throws -> (AccessKey, Account)? {
        if let known = resolved.entries.withLock({ $0[accessKeyId] }) { return known }
        guard let key = try await catalog.accessKey(id: accessKeyId),
            let account = try await catalog.account(id: key.accountId)
        else { return nil }
        resolved.entries.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() }
            entries[accessKeyId] = (key, account)
        }
        return (key, account)
    }
}

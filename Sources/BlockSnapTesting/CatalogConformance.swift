import BlockSnapCore
import Foundation
import Testing

/// The conformance suite every `Catalog` passes, run against the real database.
///
/// Each check gets a fresh, empty catalog from `makeCatalog`. Failures are recorded as Swift
/// Testing issues (so call `run` from inside a `@Test`); unexpected errors are thrown. Times
/// are compared at millisecond precision, the precision catalogs store.
public enum CatalogConformance {
    /// Runs every check, each against a new catalog.
    public static func run(_ makeCatalog: () async throws -> any Catalog) async throws {
        try await accountsAndKeys(makeCatalog())
        try await failedAccountCreationStoresNothing(makeCatalog())
        try await settings(makeCatalog())
        try await settingsRace(makeCatalog())
        try await snapshotRoundTrip(makeCatalog())
        try await clientTokens(makeCatalog())
        try await recordBlock(makeCatalog())
        try await recordBlockConcurrently(makeCatalog())
        try await recordBlockNeedsPending(makeCatalog())
        try await completeSnapshot(makeCatalog())
        try await completeSnapshotOnlyOnce(makeCatalog())
        try await failSnapshot(makeCatalog())
        try await expiredPendingSnapshots(makeCatalog())
        try await snapshotsByOwner(makeCatalog())
        try await mapNodesAreImmutable(makeCatalog())
    }

    /// Creates accounts `1` and `2` with keys, for checks that need owners.
    static func owners(_ catalog: any Catalog) async throws -> (Account, Account) {
        let first = CatalogFixtures.account(1)
        let second = CatalogFixtures.account(2)
        try await catalog.createAccount(first, key: CatalogFixtures.key(1, for: first))
        try await catalog.createAccount(second, key: CatalogFixtures.key(2, for: second))
        return (first, second)
    }

    /// Accounts and keys round trip; lookups of unknown ones are nil; `accounts()` is oldest
    /// first whatever the insertion order.
    static func accountsAndKeys(_ catalog: any Catalog) async throws {
        let newer = CatalogFixtures.account(1, createdAt: CatalogFixtures.time(5_000))
        let older = CatalogFixtures.account(2, createdAt: CatalogFixtures.time(1_000))
        let newerKey = CatalogFixtures.key(1, for: newer)
        try await catalog.createAccount(newer, key: newerKey)
        try await catalog.createAccount(older, key: CatalogFixtures.key(2, for: older))

        #expect(try await catalog.account(named: newer.name) == newer)
        #expect(try await catalog.account(id: older.id) == older)
        #expect(try await catalog.accessKey(id: newerKey.accessKeyId) == newerKey, "an access key must round trip")
        #expect(try await catalog.account(named: "nobody") == nil)
        #expect(try await catalog.account(id: "999999999999") == nil)
        #expect(try await catalog.accessKey(id: "AKIANOSUCHKEY0000000") == nil)
        #expect(try await catalog.accounts() == [older, newer], "accounts() must be oldest first")
    }

    /// A duplicate name, id or key id throws and stores nothing of the failed call.
    static func failedAccountCreationStoresNothing(_ catalog: any Catalog) async throws {
        let (first, second) = try await owners(catalog)
        let sameName = Account(id: "333333333333", name: first.name, createdAt: CatalogFixtures.time(9))
        let sameId = Account(id: first.id, name: "other-name", createdAt: CatalogFixtures.time(9))
        let freshAccount = Account(id: "444444444444", name: "fresh", createdAt: CatalogFixtures.time(9))
        await #expect(throws: (any Error).self, "a duplicate account name must throw") {
            try await catalog.createAccount(sameName, key: CatalogFixtures.key(33, for: sameName))
        }
        await #expect(throws: (any Error).self, "a duplicate account id must throw") {
            try await catalog.createAccount(sameId, key: CatalogFixtures.key(34, for: sameId))
        }
        let takenKey = AccessKey(
            accessKeyId: CatalogFixtures.key(1, for: first).accessKeyId, secretAccessKey: "x",
            accountId: freshAccount.id)
        await #expect(throws: (any Error).self, "a duplicate access key id must throw") {
            try await catalog.createAccount(freshAccount, key: takenKey)
        }
        #expect(try await catalog.accounts() == [first, second], "a failed createAccount must store nothing")
        #expect(try await catalog.account(id: freshAccount.id) == nil, "account stored without its key")
        #expect(try await catalog.account(named: "other-name") == nil)
        #expect(try await catalog.accessKey(id: CatalogFixtures.key(33, for: sameName).accessKeyId) == nil)
        #expect(try await catalog.accessKey(id: takenKey.accessKeyId)?.accountId == first.id)
    }

    /// Settings: absent is nil; set-if-absent keeps the first value; empty values are values.
    static func settings(_ catalog: any Catalog) async throws {
        #expect(try await catalog.setting("missing") == nil)
        #expect(try await catalog.setSettingIfAbsent("key", [1, 2]) == [1, 2])
        #expect(try await catalog.setSettingIfAbsent("key", [3]) == [1, 2], "setIfAbsent must keep the first value")
        #expect(try await catalog.setting("key") == [1, 2])
        #expect(try await catalog.setSettingIfAbsent("empty", []) == [])
        #expect(try await catalog.setting("empty") == [], "an empty setting must read back as [] (not nil)")
    }

    /// Concurrent set-if-absent calls agree on one winner.
    static func settingsRace(_ catalog: any Catalog) async throws {
        let results = try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for value in 0..<16 {
                group.addTask { try await catalog.setSettingIfAbsent("race", [UInt8(value)]) }
            }
            return try await group.reduce(into: [[UInt8]]()) { $0.append($1) }
        }
        let stored = try #require(try await catalog.setting("race"))
        #expect(Set(results) == [stored], "every racing setSettingIfAbsent must return the one stored value")
        #expect(stored.count == 1 && stored[0] < 16)
    }
}

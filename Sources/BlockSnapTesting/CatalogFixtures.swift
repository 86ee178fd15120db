import BlockSnapCore
import Foundation

/// Deterministic values for catalog tests: accounts, keys, snapshot ids, hashes and
/// millisecond-precision dates (the precision catalogs store).
///
/// Invariant: the same arguments always give equal values, and distinct `n` give distinct ids.
public enum CatalogFixtures {
    /// A date `ms` milliseconds after 1970, built exactly as catalogs decode stored times.
    public static func date(ms: Int64) -> Date {
        Date(timeIntervalSince1970: Double(ms) / 1000)
    }

    /// An instant near 2023-11-14, plus `ms` milliseconds.
    public static func time(_ ms: Int64) -> Date { date(ms: 1_700_000_000_000 + ms) }

    /// An account with a 12-digit id derived from `n` and the name `account-<n>`.
    public static func account(_ n: Int, createdAt: Date? = nil) -> Account {
        Account(
            id: digits(n, width: 12), name: "account-\(n)", createdAt: createdAt ?? time(Int64(n)))
    }

    /// An access key `AKIA` + 16 characters derived from `n`, belonging to `account`.
    public static func key(_ n: Int, for account: Account) -> AccessKey {
        AccessKey(
            accessKeyId: "AKIA" + digits(n, width: 16), secretAccessKey: "secret/\(n)+\(account.id)",
            accountId: account.id)
    }

    /// `snap-` followed by 17 lowercase hex digits derived from `n`.
    public static func snapshotId(_ n: Int) -> String {
        let hex = String(n, radix: 16)
        return "snap-" + String(repeating: "0", count: max(0, 17 - hex.count)) + hex
    }

    /// A distinct 32-byte hash for each `n`.
    public static func hash(_ n: Int) -> BlockHash {
        BlockHash(bytes: (0..<32).map { UInt8(truncatingIfNeeded: n &* 131 &+ $0 &* 7 &+ (n >> 8)) })!
    }

    /// A pending snapshot of `owner` with every optional field nil and no tags.
    public static func pendingSnapshot(
        _ n: Int, owner: Account, start: Date? = nil, deadline: Date? = nil, clientToken: String? = nil,
        volumeSizeGiB: Int64 = 8
    ) -> SnapshotRecord {
        let start = start ?? time(Int64(n) * 1000)
        return SnapshotRecord(
            id: snapshotId(n), ownerId: owner.id, status: .pending, progress: 0, volumeSizeGiB: volumeSizeGiB,
            description: nil, parentId: nil, lineageId: snapshotId(n), rootNode: nil, tags: [], startTime: start,
            timeoutMinutes: 60, deadline: deadline ?? start.addingTimeInterval(3600), clientToken: clientToken,
            requestFingerprint: nil)
    }

    /// A snapshot with every field set to a distinctive value (tags deliberately unsorted,
    /// non-ASCII text, an empty tag value), except `createVolumePermissions`, which would need
    /// other accounts: it is empty.
    public static func fullSnapshot(_ n: Int, owner: Account) -> SnapshotRecord {
        var snapshot = SnapshotRecord(
            id: snapshotId(n), ownerId: owner.id, status: .pending, progress: 37, volumeSizeGiB: 65_536,
            description: "Ünïcode description ✓ \(n)", parentId: snapshotId(n + 1_000_000),
            lineageId: snapshotId(n + 2_000_000), rootNode: hash(n),
            tags: [Tag(key: "zeta", value: "1"), Tag(key: "Alpha", value: ""), Tag(key: "mid", value: "ü ✓")],
            startTime: time(123), timeoutMinutes: 4320, deadline: time(259_200_123), clientToken: "token-\(n)",
            requestFingerprint: "fingerprint-\(n)", statusMessage: "a message", changedBlocksCount: 12,
            completionTime: time(456))
        snapshot.volumeId = ComputeFixtures.volumeId(n)
        snapshot.encrypted = true
        snapshot.kmsKeyId = "arn:aws:kms:us-east-1:\(owner.id):key/key-\(n)"
        snapshot.productCodes = ["zz-product-\(n)", "aa-product"]
        snapshot.transferType = .timeBased
        snapshot.completionDurationMinutes = 2880
        return snapshot
    }

    private static func digits(_ n: Int, width: Int) -> String {
        let text = String(n)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

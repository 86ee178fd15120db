import BlockSnapCore
import Foundation
import Testing

/// The conformance suite every `ComputeCatalog` passes (run it as well as `CatalogConformance`),
/// against the real database.
///
/// Each check gets a fresh, empty catalog from `makeCatalog`. Failures are recorded as Swift
/// Testing issues (so call `run` from inside a `@Test`); unexpected errors are thrown. What the
/// suite holds every implementation to, beyond the port's comments:
/// - lists are by id (`attachedVolumes`: by attach time, then device), and records come back
///   whole, tags in the order given;
/// - `createVolumePermissions` reads back sorted, without repeats, and names existing accounts;
/// - `putTags`/`deleteTags` throw, changing nothing, for a resource the owner doesn't have, and
///   `putTags` when a resource would end with more than 50 tags; an overwritten key keeps its
///   place, a new one goes last; `resourceTags` is by resource id, then that order;
/// - `updateVolume`/`updateInstance` leave tags alone; deleting a volume or snapshot deletes
///   its tags.
public enum ComputeCatalogConformance {
    /// Runs every check, each against a new catalog.
    public static func run(_ makeCatalog: () async throws -> any Catalog & ComputeCatalog) async throws {
        try await volumeRoundTrip(makeCatalog())
        try await volumeClientTokens(makeCatalog())
        try await updateVolume(makeCatalog())
        try await deleteVolume(makeCatalog())
        try await instanceRoundTrip(makeCatalog())
        try await instanceClientTokens(makeCatalog())
        try await insertInstanceIsAtomic(makeCatalog())
        try await updateInstance(makeCatalog())
        try await putTags(makeCatalog())
        try await putTagsIsAllOrNothing(makeCatalog())
        try await tagLimit(makeCatalog())
        try await deleteTags(makeCatalog())
        try await resourceTags(makeCatalog())
        try await snapshotFieldsRoundTrip(makeCatalog())
        try await snapshotsPage(makeCatalog())
        try await createVolumePermissions(makeCatalog())
        try await deleteSnapshot(makeCatalog())
        try await setSnapshotProgress(makeCatalog())
        try await completeVolumeSnapshot(makeCatalog())
        try await pendingVolumeSnapshots(makeCatalog())
        try await snapshotRevisions(makeCatalog())
        try await knownSnapshotsInPages(makeCatalog())
    }

    /// Creates accounts `1` and `2` with keys, for checks that need owners.
    static func owners(_ catalog: any Catalog) async throws -> (Account, Account) {
        try await CatalogConformance.owners(catalog)
    }

    /// Creates account `3`, for checks that need a third party.
    static func thirdAccount(_ catalog: any Catalog) async throws -> Account {
        let third = CatalogFixtures.account(3)
        try await catalog.createAccount(third, key: CatalogFixtures.key(3, for: third))
        return third
    }
}

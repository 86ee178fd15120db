import BlockSnapCore
import Foundation

extension EC2SnapshotService {
    /// Where and how CopySnapshot copies, beyond its source.
    public struct CopyOptions: Sendable {
        /// An Outpost to copy to (refused: this server has none).
        public var destinationOutpostArn: String?
        /// A Local Zone to copy to (refused: this server has none).
        public var destinationAvailabilityZone: String?
        /// A time-based copy's completion duration: 15–2880 minutes in 15-minute increments.
        public var completionDurationMinutes: Int?

        /// Creates the options; none given is a standard copy within the region.
        public init(
            destinationOutpostArn: String? = nil, destinationAvailabilityZone: String? = nil,
            completionDurationMinutes: Int? = nil
        ) {
            self.destinationOutpostArn = destinationOutpostArn
            self.destinationAvailabilityZone = destinationAvailabilityZone
            self.completionDurationMinutes = completionDurationMinutes
        }
    }

    /// CopySnapshot within this region: the copy shares every block and map node with its source
    /// and is complete at once, so a time-based copy always meets its completion duration.
    public func copySnapshot(
        sourceSnapshotId: String, sourceRegion: String, description: String?, tags: [Tag], encrypted: Bool?,
        kmsKeyId: String?, options: CopyOptions = CopyOptions(), dryRun: Bool?, owner: Account
    ) async throws -> SnapshotRecord {
        guard sourceRegion == context.region else {
            throw ServiceError(
                .invalidParameterValue,
                "Value (\(sourceRegion)) for parameter SourceRegion is invalid. This server serves only \(context.region).")
        }
        try SnapshotPlacement.requireRegionalCopy(
            destinationOutpostArn: options.destinationOutpostArn,
            destinationAvailabilityZone: options.destinationAvailabilityZone)
        try SnapshotPlacement.validate(completionDurationMinutes: options.completionDurationMinutes)
        let source = try await context.readableSnapshot(sourceSnapshotId, owner)
        guard source.status == .completed else {
            throw ServiceError(.incorrectState, "Snapshot \(sourceSnapshotId) is not completed.")
        }
        guard encrypted != true, kmsKeyId == nil else {
            throw ServiceError(.invalidParameterValue, "Encrypted copies are not supported by this server yet.")
        }
        try Self.validate(description: description, tags: tags)
        try context.dryRun(dryRun)
        let now = context.clock.now()
        var copy = SnapshotRecord(
            id: context.ids.snapshotId(), ownerId: owner.id, status: .completed, progress: 100,
            volumeSizeGiB: source.volumeSizeGiB, description: description ?? source.description, parentId: nil,
            lineageId: source.ownerId == owner.id ? source.lineageId : sourceSnapshotId, rootNode: source.rootNode,
            tags: tags, startTime: now, timeoutMinutes: 0, deadline: .distantFuture, clientToken: nil,
            requestFingerprint: nil, changedBlocksCount: 0, completionTime: now)
        copy.volumeId = "vol-ffffffff"
        copy.productCodes = source.productCodes
        copy.transferType = options.completionDurationMinutes == nil ? .standard : .timeBased
        copy.completionDurationMinutes = options.completionDurationMinutes
        _ = try await context.catalog.insertSnapshot(copy)
        return copy
    }
}

import BlockSnapCore
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Creating, opening, closing and deleting volumes. These are serialized by `lifecycle`; the
/// data path never waits for them except on the volume they concern.
extension LocalVolumeStore {
    /// Creates a volume's local storage — segment 0 of its data (a sparse file; the other
    /// segments appear when first written), empty block state — and opens it. Nothing is copied
    /// from the base map. Creating a volume that already exists locally just opens it (so a
    /// retried create is harmless).
    public func createVolume(_ volume: VolumeRecord) async throws {
        try Self.validate(volume)
        await lifecycle.acquire()
        defer { lifecycle.release() }
        guard !registry.contains(volume.id) else { return }
        let (root, id, segmentBytes) = (self.root, volume.id, context.segmentBytes)
        let blockCount = BlockGeometry.blockCount(volumeSizeGiB: volume.sizeGiB)
        try await context.io.run {
            let layout = VolumeLayout(root: root, volumeId: id)
            if DirectoryOperations.exists(layout.directory) { return }
            try DirectoryOperations.makeDirectories(root)
            let staging = VolumeLayout(directory: VolumeLayout.creatingPath(root: root, volumeId: id))
            try DirectoryOperations.removeTree(staging.directory)
            try DirectoryOperations.makeDirectories(staging.directory)
            try SegmentedDataFile.create(
                staging, segmentBytes: segmentBytes, volumeBytes: blockCount * VolumeFile.blockSize)
            try VolumeMetadata.create(staging, blockCount: blockCount, segmentBytes: segmentBytes)
            try DirectoryOperations.syncDirectory(staging.directory)
            try DirectoryOperations.renameDurably(staging.directory, to: layout.directory)
        }
        context.logger.info("volume created", metadata: ["volume.id": "\(id)", "volume.size_gib": "\(volume.sizeGiB)"])
        try await openHoldingLifecycle(volume)
    }

    /// Opens a volume whose local storage exists (after a restart), with the record's base map.
    /// A volume not closed cleanly gets every local block marked changed. A volume of the
    /// version 1 layout (one `data` file) is upgraded first (`SegmentedDataFile.upgradeLegacy`).
    /// A record larger than the local size grows the volume. Opening an open volume does nothing.
    public func open(_ volume: VolumeRecord) async throws {
        try Self.validate(volume)
        await lifecycle.acquire()
        defer { lifecycle.release() }
        guard !registry.contains(volume.id) else { return }
        guard DirectoryOperations.exists(VolumeLayout(root: root, volumeId: volume.id).directory) else {
            throw VolumeStoreError(.unknownVolume, "volume \(volume.id) has no local storage in \(root)")
        }
        try await openHoldingLifecycle(volume)
    }

    private func openHoldingLifecycle(_ volume: VolumeRecord) async throws {
        let layout = VolumeLayout(root: root, volumeId: volume.id)
        let (checkpointBytes, segmentBytes) = (context.checkpointBytes, context.segmentBytes)
        let (metadata, data, upgraded) = try await context.io.run {
            () throws -> (VolumeMetadata, SegmentedDataFile, Bool) in
            let metadata = try VolumeMetadata.load(layout, checkpointBytes: checkpointBytes)
            let upgraded = metadata.durable.segmentBytes == 0
            if upgraded {
                try metadata.adoptSegmentBytes(SegmentedDataFile.upgradeLegacy(layout, configured: segmentBytes))
            }
            if !metadata.openedClean { try metadata.widenChangedToLocal() }
            try metadata.markInUse()
            let data = try SegmentedDataFile.open(
                layout, segmentBytes: metadata.durable.segmentBytes,
                volumeBytes: metadata.durable.blockCount * VolumeFile.blockSize)
            return (metadata, data, upgraded)
        }
        let durable = metadata.durable
        if upgraded {
            context.logger.notice(
                "volume upgraded from the single-file layout: data is now segment 0",
                metadata: ["volume.id": "\(volume.id)", "volume.segment_bytes": "\(durable.segmentBytes)"])
        }
        if !metadata.openedClean {
            context.logger.warning(
                "volume was not closed cleanly: every local block counts as changed",
                metadata: ["volume.id": "\(volume.id)", "volume.local_blocks": "\(durable.local.count)"])
        }
        let file = VolumeFile(
            id: volume.id, layout: layout, data: data, metadata: metadata, base: volume.baseRoot, context: context)
        let wanted = BlockGeometry.blockCount(volumeSizeGiB: volume.sizeGiB)
        if wanted > durable.blockCount {
            try await file.resize(toBlocks: wanted)
        } else if wanted < durable.blockCount {
            context.logger.warning(
                "volume record is smaller than local storage; keeping the local size",
                metadata: ["volume.id": "\(volume.id)", "volume.blocks": "\(durable.blockCount)"])
        }
        registry.insert(file)
    }

    /// Closes a volume cleanly: waits for in-flight writes, flushes, checkpoints and leaves the
    /// clean marker, so the next open trusts its changed set. Pending freezes of it fail their
    /// reads afterwards (their blocks stay counted as changed).
    public func close(volumeId: String) async throws {
        await lifecycle.acquire()
        defer { lifecycle.release() }
        guard let volume = registry.remove(volumeId) else { throw VolumeStoreError.unknownVolume(volumeId) }
        try await volume.close(clean: true)
    }

    /// Closes every open volume cleanly (graceful shutdown); throws the first failure after
    /// trying them all.
    public func closeAll() async throws {
        await lifecycle.acquire()
        defer { lifecycle.release() }
        var firstError: (any Error)?
        for id in registry.ids() {
            guard let volume = registry.remove(id) else { continue }
            do {
                try await volume.close(clean: true)
            } catch {
                context.logger.error("volume close failed", metadata: ["volume.id": "\(id)", "error": "\(error)"])
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
    }

    /// Drops a volume's local storage (closing it first if open). Deleting a volume that has
    /// no local storage does nothing.
    public func deleteVolume(_ volumeId: String) async throws {
        guard VolumeLayout.isValidVolumeId(volumeId) else { return }
        await lifecycle.acquire()
        defer { lifecycle.release() }
        if let volume = registry.remove(volumeId) { try await volume.close(clean: false) }
        let root = self.root
        try await context.io.run {
            let directory = VolumeLayout(root: root, volumeId: volumeId).directory
            let deleting = VolumeLayout.deletingPath(root: root, volumeId: volumeId)
            try DirectoryOperations.removeTree(deleting)
            guard DirectoryOperations.exists(directory) else { return }
            try DirectoryOperations.renameDurably(directory, to: deleting)
            try DirectoryOperations.removeTree(deleting)
        }
        context.logger.info("volume deleted", metadata: ["volume.id": "\(volumeId)"])
    }

    /// The ids of the volumes with local storage under the root (open or not), sorted; the
    /// composition root opens them after a restart.
    public func storedVolumeIds() async throws -> [String] {
        let root = self.root
        return try await context.io.run {
            try DirectoryOperations.names(in: root)
                .filter { VolumeLayout.isValidVolumeId($0) && DirectoryOperations.exists(root + "/" + $0 + "/state") }
                .sorted()
        }
    }

    private static func validate(_ volume: VolumeRecord) throws {
        guard VolumeLayout.isValidVolumeId(volume.id) else {
            throw VolumeStoreError(.invalidArgument, "volume id \(volume.id.debugDescription) is not a valid name")
        }
        guard (BlockGeometry.minVolumeSizeGiB...BlockGeometry.maxVolumeSizeGiB).contains(volume.sizeGiB) else {
            throw VolumeStoreError(.invalidArgument, "volume size \(volume.sizeGiB) GiB is out of range")
        }
    }
}

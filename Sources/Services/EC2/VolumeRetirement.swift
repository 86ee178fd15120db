import BlockSnapCore

/// Deletes volumes (DeleteVolume, TerminateInstances with DeleteOnTermination) without losing
/// the snapshots of them still being captured: such a volume stays in the catalog in state
/// `deleting`, detached, with its data, until the last of those captures ends, then goes; a
/// snapshot accepted before the deletion completes with the volume's content at its instant,
/// as on AWS.
///
/// Invariant: a volume's data is removed only while no capture of it is in progress.
public actor VolumeRetirement {
    private let catalog: any Catalog & ComputeCatalog
    private let dataPlane: any VolumeDataPlane
    /// Captures in progress (or about to start) per volume.
    private var capturing: [String: Int] = [:]
    /// Volumes to remove when their last capture ends.
    private var retiring: Set<String> = []

    init(catalog: any Catalog & ComputeCatalog, dataPlane: any VolumeDataPlane) {
        self.catalog = catalog
        self.dataPlane = dataPlane
    }

    /// Counts a capture of each volume from before the freeze until `endCapture`.
    func beginCaptures(_ volumeIds: [String]) {
        for id in volumeIds { capturing[id, default: 0] += 1 }
    }

    /// A capture of `volumeId` ended, completed or failed, or was never enqueued; the volume
    /// goes if it was deleted meanwhile and this was its last capture.
    func endCapture(_ volumeId: String) async throws {
        let left = (capturing[volumeId] ?? 1) - 1
        capturing[volumeId] = left > 0 ? left : nil
        guard left <= 0, retiring.remove(volumeId) != nil else { return }
        try await remove(volumeId)
    }

    /// Deletes `volume` now, or, while snapshots of it are being captured, marks it `deleting`
    /// (detached) and deletes it when the last of them ends.
    func retire(_ volume: VolumeRecord) async throws {
        guard capturing[volume.id, default: 0] > 0 else { return try await remove(volume.id) }
        retiring.insert(volume.id)  // before the await: a capture ending meanwhile removes it
        var deleting = volume
        deleting.state = .deleting
        deleting.attachment = nil
        _ = try await catalog.updateVolume(deleting)
    }

    /// Removes volumes a previous run left `deleting` (its captures were failed at startup).
    public func removeLeftovers() async throws {
        for account in try await catalog.accounts() {
            for volume in try await catalog.volumes(ownerId: account.id, ids: nil) where volume.state == .deleting {
                try await remove(volume.id)
            }
        }
    }

    private func remove(_ id: String) async throws {
        try await catalog.deleteVolume(id: id)
        try await dataPlane.deleteVolume(id)
    }
}

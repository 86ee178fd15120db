import BlockSnapCore
import Logging

/// Freezing volumes at one instant (the `VolumeDataPlane` requirement behind CreateSnapshot and
/// CreateSnapshots).
///
///     prepare copy-before-write space (outside the barrier)
///     raise every volume's barrier ─ new writes wait
///     drain every volume           ─ in-flight writes finish
///     swap every changed set       ─ the instant
///     lower every barrier          ─ writes go on, with copy-before-write of frozen blocks
///
/// Freezes are serialized. Freezes of one volume may overlap (a second snapshot before the first
/// is captured): a freeze holds every block changed since the last freeze that was released
/// *captured* — the changed set plus the blocks of freezes still pending — so each one is whole
/// on its own, whichever of the earlier ones fail. A write preserves a block for every pending
/// freeze that still needs it.
extension LocalVolumeStore {
    /// Freezes, at one instant, each volume's blocks changed since its last captured freeze.
    /// Volumes without such blocks get `NoChangedBlocks`. Unknown ids fail with `.unknownVolume` before any
    /// volume is touched.
    public func freeze(_ volumeIds: [String]) async throws -> [String: any FrozenBlocks] {
        await freezing.acquire()
        defer { freezing.release() }
        let volumes = try Set(volumeIds).sorted().map { try registry.volume($0) }
        guard !volumes.isEmpty else { return [:] }
        let retained = Int(min(configuration.retainedPreservationBytes / Int64(BlockGeometry.blockSize), Int64(Int32.max)))
        var spaces: [PreservationSpace?] = []
        for volume in volumes { spaces.append(try await volume.preparePreservationSpace(retainedSlots: retained)) }

        for volume in volumes { volume.raiseBarrier() }
        var frozen: [FreezeState?] = []
        do {
            for volume in volumes { await volume.drain() }
            for (volume, space) in zip(volumes, spaces) {
                switch try volume.swapChanged(space: space) {
                case .unchanged: frozen.append(nil)
                case .frozen(let freeze): frozen.append(freeze)
                case .needsSpace:
                    // Written for the first time between the look above and its barrier: its
                    // space is made now, with every volume's writes still held (one instant).
                    let made = try await volume.preparePreservationSpace(retainedSlots: retained, evenIfUnchanged: true)
                    switch try volume.swapChanged(space: made) {
                    case .unchanged: frozen.append(nil)  // its pending freeze was captured meanwhile
                    case .frozen(let freeze): frozen.append(freeze)
                    case .needsSpace: throw VolumeStoreError(.ioFailure, "no copy-before-write space for \(volume.id)")
                    }
                }
            }
        } catch {
            for (volume, freeze) in zip(volumes, frozen) { if let freeze { volume.release(freeze, captured: false) } }
            for volume in volumes { volume.lowerBarrier() }
            throw error
        }
        for volume in volumes { volume.lowerBarrier() }

        var out: [String: any FrozenBlocks] = [:]
        for (volume, freeze) in zip(volumes, frozen) {
            guard let freeze else {
                out[volume.id] = NoChangedBlocks()
                continue
            }
            let blocks = FrozenVolumeBlocks(volume: volume, freeze: freeze)
            context.logger.debug(
                "volume frozen", metadata: ["volume.id": "\(volume.id)", "freeze.blocks": "\(blocks.indexes.count)"])
            out[volume.id] = blocks
        }
        return out
    }
}

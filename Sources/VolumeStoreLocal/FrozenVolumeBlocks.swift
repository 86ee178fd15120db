import BlockSnapCore

/// The `FrozenBlocks` a `LocalVolumeStore` freeze returns for a volume with changed blocks.
///
/// Invariants: `read(i)` returns block `i` exactly as it was at the freeze, however the volume
/// was written since. A block may be read again until a write follows its first read (writes
/// after the capturer's read are not copied); then a re-read fails with
/// `.frozenBlockUnavailable` rather than return later bytes. Releasing twice is harmless; a
/// freeze dropped without `release` is released uncaptured.
final class FrozenVolumeBlocks: FrozenBlocks {
    /// The frozen block indexes, ascending.
    let indexes: [Int64]
    private let volume: VolumeFile
    private let freeze: FreezeState

    /// Wraps `freeze` of `volume`.
    init(volume: VolumeFile, freeze: FreezeState) {
        self.volume = volume
        self.freeze = freeze
        self.indexes = freeze.frozen.indexes()
    }

    deinit { volume.release(freeze, captured: false) }

    /// Block `index` as of the freeze.
    func read(_ index: Int64) async throws -> [UInt8] {
        try await volume.readFrozen(freeze, index: index)
    }

    /// Ends the freeze; uncaptured blocks count as changed again.
    func release(captured: Bool) async {
        volume.release(freeze, captured: captured)
    }
}

/// Fixed geometry of blocksnap volumes and snapshots, as the EBS direct APIs define it.
public enum BlockGeometry {
    /// Bytes in one block: 512 KiB, the only block size EBS direct APIs accept.
    public static let blockSize = 524_288
    /// Bytes in one GiB.
    public static let bytesPerGiB: Int64 = 1 << 30
    /// Blocks in one GiB of volume.
    public static let blocksPerGiB: Int64 = bytesPerGiB / Int64(blockSize)
    /// Smallest volume in GiB.
    public static let minVolumeSizeGiB: Int64 = 1
    /// Largest volume in GiB (64 TiB).
    public static let maxVolumeSizeGiB: Int64 = 65_536

    /// Number of blocks in a volume of `gib` GiB.
    public static func blockCount(volumeSizeGiB gib: Int64) -> Int64 { gib * blocksPerGiB }
}

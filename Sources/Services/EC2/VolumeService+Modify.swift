import BlockSnapCore
import Foundation

extension VolumeService {
    /// Most modifications of one volume within `modificationWindow` (EC2's rule since January 2026).
    static let maxModificationsPerWindow = 4
    /// The rolling window of the modification limit: 24 hours.
    static let modificationWindow: TimeInterval = 24 * 60 * 60
    /// IOPS a volume changed to io1 or io2 gets when the request names none (gp3 gets its
    /// default, also 3000, from `VolumeRules.validate`).
    static let defaultIopsOnTypeChange = 3000

    /// ModifyVolume: size may only grow; type/IOPS/throughput are re-validated together. A change
    /// to io1, io2 or gp3 without Iops gets 3,000 IOPS (gp3 also 125 MiB/s); a volume may be
    /// modified at most 4 times in a rolling 24 hours (`VolumeModificationRateExceeded`).
    public func modifyVolume(
        _ id: String, sizeGiB: Int64?, volumeType: String?, iops: Int?, throughput: Int?,
        multiAttachEnabled: Bool? = nil, dryRun: Bool?, owner: Account
    ) async throws -> (before: VolumeRecord, after: VolumeRecord) {
        try await context.mutations.run(for: owner) {
            let volume = try await context.liveVolume(id, owner)
            if multiAttachEnabled == true { try VolumeRules.refuseMultiAttach() }
            var modified = volume
            if let sizeGiB {
                guard sizeGiB >= volume.sizeGiB else {
                    throw ServiceError(
                        .invalidParameterValue,
                        "New size cannot be smaller than existing size (\(volume.sizeGiB) GiB); volumes can only grow.")
                }
                modified.sizeGiB = sizeGiB
            }
            modified.volumeType = volumeType ?? volume.volumeType
            let keepIops = volumeType == nil || volumeType == volume.volumeType
            let targetIops: Int?
            if let iops {
                targetIops = iops
            } else if keepIops {
                targetIops = modified.volumeType != "gp2" ? volume.iops : nil
            } else {
                targetIops = ["io1", "io2"].contains(modified.volumeType) ? Self.defaultIopsOnTypeChange : nil
            }
            let limits = try VolumeRules.validate(
                type: modified.volumeType, sizeGiB: modified.sizeGiB, iops: targetIops,
                throughput: throughput ?? (modified.volumeType == "gp3" && keepIops ? volume.throughput : nil))
            modified.iops = limits.iops
            modified.throughput = limits.throughput
            // Volumes stored with Multi-Attach by earlier versions may turn it off.
            if multiAttachEnabled == false { modified.multiAttachEnabled = false }
            guard modified != volume else {
                throw ServiceError(
                    .invalidParameterValue,
                    "The modification changes nothing: volume \(id) already has size \(volume.sizeGiB) GiB, type "
                        + "\(volume.volumeType)\(volume.iops.map { ", \($0) IOPS" } ?? "")"
                        + "\(volume.throughput.map { ", \($0) MiB/s" } ?? ""). Give a new Size, VolumeType, Iops or Throughput.")
            }
            let now = context.clock.now()
            let recent = volume.modificationTimes.filter { now.timeIntervalSince($0) < Self.modificationWindow }
            if recent.count >= Self.maxModificationsPerWindow {
                let next = recent[recent.count - Self.maxModificationsPerWindow].addingTimeInterval(Self.modificationWindow)
                throw ServiceError(
                    .volumeModificationRateExceeded,
                    "You've reached the maximum modification rate per volume limit. A volume can be modified at most "
                        + "\(Self.maxModificationsPerWindow) times within 24 hours; \(id) can be modified again at "
                        + "\(EC2Time.format(next)).")
            }
            try context.dryRun(dryRun)
            modified.modificationTimes = recent + [now]
            if modified.sizeGiB > volume.sizeGiB {
                try await context.dataPlane.resize(volumeId: id, newSizeGiB: modified.sizeGiB)
            }
            _ = try await context.catalog.updateVolume(modified)
            return (volume, modified)
        }
    }
}

import BlockSnapCore
import Foundation

extension InstanceService {
    /// StopInstances, StartInstances and TerminateInstances.
    public enum Transition: Sendable {
        case stop, start, terminate
    }

    /// Applies a transition to each instance; all ids must exist first.
    public func transition(_ ids: [String], to transition: Transition, dryRun: Bool?, owner: Account) async throws
        -> [InstanceStateChange]
    {
        try await context.mutations.run(for: owner) {
            guard !ids.isEmpty else { throw ServiceError(.missingParameter, "The request must contain the parameter InstanceId") }
            var instances: [InstanceRecord] = []
            for id in ids { instances.append(try await context.ownedInstance(id, owner)) }
            for instance in instances where transition != .terminate && instance.state == .terminated {
                throw ServiceError(
                    .incorrectInstanceState,
                    "The instance '\(instance.id)' is not in a state from which it can be \(transition == .stop ? "stopped" : "started").")
            }
            if transition == .start {
                let starting = instances.filter { $0.state != .running }
                let attached = try await context.catalog.attachedVolumes(instanceIds: starting.map(\.id))
                for instance in starting
                where !attached[instance.id, default: []].contains(where: { $0.attachment?.device == instance.rootDeviceName }) {
                    throw ServiceError(
                        .invalidParameterValue,
                        "Invalid value '\(instance.id)' for instanceId. Instance does not have a volume attached at root "
                            + "(\(instance.rootDeviceName)).")
                }
            }
            try context.dryRun(dryRun)
            var changes: [InstanceStateChange] = []
            for var instance in instances {
                let previous = instance.state
                switch transition {
                case .stop: instance.state = .stopped
                case .start: instance.state = .running
                case .terminate:
                    instance.state = .terminated
                    if previous != .terminated { try await releaseVolumes(of: instance) }
                }
                _ = try await context.catalog.updateInstance(instance)
                changes.append(InstanceStateChange(instanceId: instance.id, previous: previous, current: Self.reported(transition, previous)))
            }
            return changes
        }
    }

    /// What the response reports: the in-between state, as EC2 answers before the change settles.
    static func reported(_ transition: Transition, _ previous: InstanceState) -> InstanceState {
        switch transition {
        case .stop: previous == .stopped ? .stopped : .stopping
        case .start: previous == .running ? .running : .pending
        case .terminate: previous == .terminated ? .terminated : .shuttingDown
        }
    }

    private func releaseVolumes(of instance: InstanceRecord) async throws {
        for var volume in try await context.catalog.attachedVolumes(instanceId: instance.id) {
            if volume.attachment?.deleteOnTermination == true {
                try await context.retirement.retire(volume)
            } else {
                volume.attachment = nil
                volume.state = .available
                _ = try await context.catalog.updateVolume(volume)
            }
        }
    }

    /// AttachVolume: an available volume to a live instance in the same zone at a free device.
    public func attachVolume(_ volumeId: String, instanceId: String, device: String, dryRun: Bool?, owner: Account)
        async throws -> VolumeRecord
    {
        try await context.mutations.run(for: owner) {
            var volume = try await context.liveVolume(volumeId, owner)
            let instance = try await context.ownedInstance(instanceId, owner)
            if let attachment = volume.attachment {
                throw ServiceError(.volumeInUse, "\(volumeId) is already attached to an instance (\(attachment.instanceId))")
            }
            guard instance.state != .terminated, instance.state != .shuttingDown else {
                throw ServiceError(.incorrectInstanceState, "Instance '\(instanceId)' is not 'running' or 'stopped'.")
            }
            guard volume.availabilityZone == instance.availabilityZone else {
                throw ServiceError(
                    .volumeZoneMismatch,
                    "The volume '\(volumeId)' is not in the same availability zone as instance '\(instanceId)'")
            }
            try DeviceNames.validate(device)
            let attached = try await context.catalog.attachedVolumes(instanceId: instanceId)
            guard !attached.contains(where: { $0.attachment?.device == device }) else {
                throw ServiceError(.invalidParameterValue, "Attachment point \(device) is already in use")
            }
            try context.dryRun(dryRun)
            volume.attachment = VolumeAttachmentRecord(
                instanceId: instanceId, device: device, attachTime: context.clock.now(), deleteOnTermination: false)
            volume.state = .inUse
            _ = try await context.catalog.updateVolume(volume)
            return volume
        }
    }

    /// DetachVolume: an attached volume; the root device only while its instance is stopped.
    public func detachVolume(_ volumeId: String, instanceId: String?, device: String?, dryRun: Bool?, owner: Account)
        async throws -> (VolumeRecord, VolumeAttachmentRecord)
    {
        try await context.mutations.run(for: owner) {
            var volume = try await context.ownedVolume(volumeId, owner)
            guard let attachment = volume.attachment else {
                throw ServiceError(.incorrectState, "Volume '\(volumeId)' is in the 'available' state.")
            }
            if let instanceId, instanceId != attachment.instanceId {
                throw ServiceError(.invalidParameterValue, "Volume '\(volumeId)' is not attached to instance '\(instanceId)'.")
            }
            if let device, device != attachment.device {
                throw ServiceError(.invalidParameterValue, "Volume '\(volumeId)' is not attached at '\(device)'.")
            }
            let instance = try await context.ownedInstance(attachment.instanceId, owner)
            if instance.rootDeviceName == attachment.device, instance.state == .running {
                throw ServiceError(
                    .incorrectState, "Unable to detach root volume '\(volumeId)' from instance '\(instance.id)' while it is running.")
            }
            try context.dryRun(dryRun)
            volume.attachment = nil
            volume.state = .available
            _ = try await context.catalog.updateVolume(volume)
            return (volume, attachment)
        }
    }
}

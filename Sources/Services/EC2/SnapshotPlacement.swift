import BlockSnapCore

/// Where snapshots may be made and copied to. This server has one region with ordinary
/// availability zones: no Outposts and no Local Zones. The parameters that would place a
/// snapshot on an Outpost or in a Local Zone are refused rather than ignored; `regional`
/// (the default) is what every snapshot is.
enum SnapshotPlacement {
    /// CreateSnapshot's (`resource` "volume") or CreateSnapshots' ("instance") `OutpostArn` and
    /// `Location` for a resource of this server, which is on no Outpost and in no Local Zone.
    static func requireRegional(_ resource: String, _ id: String, outpostArn: String?, location: String?) throws {
        if outpostArn != nil {
            throw ServiceError(.invalidParameterValue, "The \(resource) '\(id)' is not on an Outpost; omit OutpostArn.")
        }
        if location == "local" {
            throw ServiceError(
                .invalidParameterValue,
                "Location 'local' is only supported for \(resource)s in Local Zones; \(resource) '\(id)' is not in one. Omit Location or use 'regional'.")
        }
    }

    /// CopySnapshot's destinations other than this region.
    static func requireRegionalCopy(destinationOutpostArn: String?, destinationAvailabilityZone: String?) throws {
        if destinationOutpostArn != nil {
            throw ServiceError(
                .invalidParameterValue, "This server has no Outposts to copy snapshots to; omit DestinationOutpostArn.")
        }
        if let zone = destinationAvailabilityZone {
            throw ServiceError(
                .invalidParameterValue,
                "This server has no Local Zones; '\(zone)' is not a valid DestinationAvailabilityZone. Omit it to copy within the region.")
        }
    }

    /// Shortest and longest completion duration of a time-based copy, in minutes.
    static let completionDurations = 15...2880

    /// CopySnapshot's `CompletionDurationMinutes`: 15–2880 in 15-minute increments.
    static func validate(completionDurationMinutes minutes: Int?) throws {
        guard let minutes else { return }
        guard completionDurations.contains(minutes), minutes % 15 == 0 else {
            throw ServiceError(
                .invalidParameterValue,
                "Value (\(minutes)) for parameter CompletionDurationMinutes is invalid. It must be between \(completionDurations.lowerBound) and \(completionDurations.upperBound) minutes, in 15-minute increments.")
        }
    }
}

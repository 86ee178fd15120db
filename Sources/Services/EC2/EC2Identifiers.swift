import BlockSnapCore

/// Syntax checks for EC2 resource ids (`prefix-` + 8 or 17 lowercase hex digits).
enum EC2Identifiers {
    static func isValid(_ id: String, prefix: String) -> Bool {
        guard id.hasPrefix(prefix + "-") else { return false }
        let hex = id.utf8.dropFirst(prefix.utf8.count + 1)
        return (hex.count == 8 || hex.count == 17) && hex.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    static func volume(_ id: String) throws {
        guard isValid(id, prefix: "vol") else { throw ServiceError(.invalidVolumeId, "Invalid id: \"\(id)\"") }
    }

    static func instance(_ id: String) throws {
        guard isValid(id, prefix: "i") else { throw ServiceError(.invalidInstanceId, "Invalid id: \"\(id)\"") }
    }

    static func snapshot(_ id: String) throws {
        guard isValid(id, prefix: "snap") else { throw ServiceError(.invalidSnapshotId, "Invalid id: \"\(id)\"") }
    }
}

extension ResourceIdentifiers {
    /// `vol-` and 17 lowercase hex digits.
    public func volumeId() -> String { "vol-" + String(snapshotId().dropFirst(5)) }
    /// `i-` and 17 lowercase hex digits.
    public func instanceId() -> String { "i-" + String(snapshotId().dropFirst(5)) }
    /// `r-` and 17 lowercase hex digits.
    public func reservationId() -> String { "r-" + String(snapshotId().dropFirst(5)) }
}

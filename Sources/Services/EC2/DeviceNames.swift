import BlockSnapCore

/// The device names a volume may be attached at, as EC2 names them: `/dev/sdf`, `/dev/xvdb`,
/// `/dev/sda1`, `/dev/hdc`, and the Windows forms without `/dev/` (`xvdf`): an optional `/dev/`,
/// then `sd`, `xvd` or `hd`, one or two lowercase letters, and an optional partition 1–15.
enum DeviceNames {
    /// Refuses a name that is not of that form.
    static func validate(_ device: String) throws {
        guard isValid(device) else {
            throw ServiceError(
                .invalidParameterValue,
                "Value (\(device)) for parameter device is invalid. \(device) is not a valid EBS device name.")
        }
    }

    static func isValid(_ device: String) -> Bool {
        var rest = Substring(device)
        if rest.hasPrefix("/dev/") { rest = rest.dropFirst(5) }
        guard let family = ["xvd", "sd", "hd"].first(where: { rest.hasPrefix($0) }) else { return false }
        rest = rest.dropFirst(family.count)
        let letters = rest.prefix { ("a"..."z").contains($0) }
        guard (1...2).contains(letters.count) else { return false }
        let partition = rest.dropFirst(letters.count)
        guard !partition.isEmpty else { return true }
        guard partition.allSatisfy(\.isASCII), partition.first != "0", let number = Int(partition) else { return false }
        return (1...15).contains(number)
    }
}

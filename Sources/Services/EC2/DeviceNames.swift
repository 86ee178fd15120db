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
        var rest = device.utf8[...]
        let dev = "/dev/".utf8
        if rest.starts(with: dev) { rest = rest.dropFirst(dev.count) }
        guard let family = ["xvd", "sd", "hd"].first(where: { rest.starts(with: $0.utf8) }) else { return false }
        rest = rest.dropFirst(family.utf8.count)
        let letters = rest.prefix { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) }
        guard (1...2).contains(letters.count) else { return false }
        let partition = rest.dropFirst(letters.count)
        guard !partition.isEmpty else { return true }
        guard partition.count <= 2, partition.first != UInt8(ascii: "0"),
            partition.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return false }
        let number = partition.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        return (1...15).contains(number)
    }
}

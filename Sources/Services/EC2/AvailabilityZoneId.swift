/// Availability zone ids (`use1-az1`), the account-independent names AWS gives its zones.
/// This server's zones are `<region>a` … `<region>c`; zone `<region>x` has the id
/// `<region abbreviation>-az<n>`, n being the letter's position (a → 1), the abbreviation
/// being AWS's (`us-east-1` → `use1`, `ap-southeast-2` → `apse2`, `us-gov-west-1` → `usgw1`).
public enum AvailabilityZoneId {
    /// The id of a zone named `<region><letter>`, e.g. `us-east-1a` → `use1-az1`.
    public static func of(zone: String) -> String {
        guard let letter = zone.last, let ascii = letter.asciiValue, letter.isLowercase else { return zone }
        let number = Int(ascii) - Int(Character("a").asciiValue!) + 1
        return "\(abbreviation(region: String(zone.dropLast())))-az\(number)"
    }

    /// AWS's short form of a region name: `us-east-1` → `use1`.
    static func abbreviation(region: String) -> String {
        let parts = region.split(separator: "-").map(String.init)
        guard parts.count >= 3 else { return region.replacingOccurrences(of: "-", with: "") }
        let middle = parts.dropFirst().dropLast().map { directions[$0] ?? String($0.prefix(1)) }
        return parts[0] + middle.joined() + parts[parts.count - 1]
    }

    private static let directions: [String: String] = [
        "east": "e", "west": "w", "north": "n", "south": "s", "central": "c", "northeast": "ne",
        "northwest": "nw", "southeast": "se", "southwest": "sw", "gov": "g", "iso": "i", "isob": "ib",
    ]
}

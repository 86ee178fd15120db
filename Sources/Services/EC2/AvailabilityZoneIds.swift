/// The short region code AWS uses in zone ids: `us-east-1` → `use1`, `ap-southeast-2` →
/// `apse2`, `eu-central-1` → `euc1`, `us-gov-west-1` → `usgw1`.
enum AvailabilityZoneIds {
    /// The direction words of region names and their letters.
    private static let directions: [String: String] = [
        "north": "n", "south": "s", "east": "e", "west": "w", "central": "c",
        "northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
    ]

    /// The region's code: its first part, then each further part's letter(s) or digits.
    static func regionCode(_ region: String) -> String {
        let parts = region.split(separator: "-").map(String.init)
        guard let first = parts.first else { return region }
        return first + parts.dropFirst().map { directions[$0] ?? ($0.allSatisfy(\.isNumber) ? $0 : String($0.prefix(1))) }.joined()
    }
}

/// Makes new resource identifiers in the shapes AWS uses. Randomness comes from the injected
/// generator so tests can make ids repeatable.
public struct ResourceIdentifiers: Sendable {
    private let randomBytes: @Sendable (Int) -> [UInt8]

    /// Uses the system's secure random generator.
    public init() {
        self.randomBytes = { count in
            var generator = SystemRandomNumberGenerator()
            return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        }
    }

    /// Uses `randomBytes` as the source of randomness.
    public init(randomBytes: @escaping @Sendable (Int) -> [UInt8]) {
        self.randomBytes = randomBytes
    }

    /// `snap-` and 17 lowercase hex digits.
    public func snapshotId() -> String { "snap-" + hex(17) }

    /// 12 decimal digits, not starting with 0.
    public func accountId() -> String {
        let bytes = randomBytes(12)
        var digits = bytes.map { String($0 % 10) }
        digits[0] = String(1 + bytes[0] % 9)
        return digits.joined()
    }

    /// `AKIA` and 16 characters of A–Z2–7, like an AWS access key id.
    public func accessKeyId() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        return "AKIA" + String(randomBytes(16).map { alphabet[Int($0 % 32)] })
    }

    /// 40 characters of base64 alphabet, like an AWS secret key.
    public func secretAccessKey() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        return String(randomBytes(40).map { alphabet[Int($0 % 64)] })
    }

    /// `count` random bytes, e.g. for server secrets.
    public func secret(_ count: Int) -> [UInt8] { randomBytes(count) }

    private func hex(_ digits: Int) -> String {
        let alphabet = Array("0123456789abcdef")
        return String(randomBytes(digits).map { alphabet[Int($0 % 16)] })
    }
}

/// The UTF-8 bytes of an XML document or fragment as the encoder writes it. Appending to a
/// byte array skips the bookkeeping `String` does on every append (capacity, ASCII and count
/// flags), which made up a quarter of rendering a DescribeSnapshots item.
///
/// Invariant: `bytes` is valid UTF-8 after every append (only whole strings and whole scalars
/// are appended).
struct XMLBytes {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends the UTF-8 of `text`.
    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Appends the UTF-8 of `scalar`.
    mutating func append(_ scalar: Unicode.Scalar) {
        UTF8.encode(scalar) { bytes.append($0) }
    }

    /// The text written so far.
    var string: String { String(decoding: bytes, as: UTF8.self) }
}

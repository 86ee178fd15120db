/// A transmission-phase command type (`NBD_CMD_*`). Unknown values are kept, so that the server
/// can answer them with `NBD_EINVAL`.
struct NBDCommand: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    let rawValue: UInt16

    init(rawValue: UInt16) { self.rawValue = rawValue }

    static let read = NBDCommand(rawValue: 0)
    static let write = NBDCommand(rawValue: 1)
    static let disconnect = NBDCommand(rawValue: 2)
    static let flush = NBDCommand(rawValue: 3)
    static let trim = NBDCommand(rawValue: 4)
    static let cache = NBDCommand(rawValue: 5)
    static let writeZeroes = NBDCommand(rawValue: 6)
    static let blockStatus = NBDCommand(rawValue: 7)

    var description: String {
        switch rawValue {
        case 0: "READ"
        case 1: "WRITE"
        case 2: "DISC"
        case 3: "FLUSH"
        case 4: "TRIM"
        case 5: "CACHE"
        case 6: "WRITE_ZEROES"
        case 7: "BLOCK_STATUS"
        default: "command \(rawValue)"
        }
    }

    /// Whether the command changes the export's content.
    var isWrite: Bool { self == .write || self == .trim || self == .writeZeroes }
}

/// One request (proto.md "Request message"):
///
///     0x25609513 (32) · flags (16) · type (16) · cookie (64) · offset (64) · length (32) · data
///
/// with `length` bytes of data for `NBD_CMD_WRITE` only.
struct NBDRequest: Sendable {
    /// `NBD_CMD_FLAG_*` bits.
    var flags: UInt16
    /// The command.
    var command: NBDCommand
    /// The client's opaque cookie, echoed in the reply.
    var cookie: UInt64
    /// Byte offset in the export.
    var offset: UInt64
    /// Byte length (of the payload for a write, of the effect otherwise).
    var length: UInt32
    /// A write's data; empty otherwise.
    var payload: [UInt8]

    /// Whether flag `bit` is set.
    func has(_ bit: UInt16) -> Bool { flags & bit != 0 }

    /// The bytes the request touches, `[offset, offset+length)`, saturated at `UInt64.max`.
    var range: Range<UInt64> {
        let (end, overflow) = offset.addingReportingOverflow(UInt64(length))
        return offset..<(overflow ? .max : end)
    }
}

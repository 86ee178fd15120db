import NIOCore

@testable import NBDServer

/// Builds golden byte strings field by field, big-endian, as proto.md lays them out.
struct Bytes {
    private(set) var array: [UInt8] = []

    init() {}

    /// Appends an integer, big-endian.
    func int<T: FixedWidthInteger>(_ value: T) -> Bytes {
        var copy = self
        copy.array += withUnsafeBytes(of: value.bigEndian, Array.init)
        return copy
    }

    /// Appends raw bytes.
    func raw(_ bytes: [UInt8]) -> Bytes {
        var copy = self
        copy.array += bytes
        return copy
    }

    /// Appends the UTF-8 of a string (no length).
    func text(_ string: String) -> Bytes { raw(Array(string.utf8)) }

    /// Appends a 32-bit length and the UTF-8 of a string.
    func string(_ string: String) -> Bytes { int(UInt32(string.utf8.count)).text(string) }

    /// The bytes in a buffer.
    var buffer: ByteBuffer { ByteBuffer(bytes: array) }
}

/// An option as a client frames it: IHAVEOPT · option · length · data.
func optionBytes(_ code: UInt32, _ data: Bytes = Bytes()) -> Bytes {
    Bytes().int(NBDMagic.iHaveOption).int(code).int(UInt32(data.array.count)).raw(data.array)
}

/// The data of NBD_OPT_INFO / NBD_OPT_GO: name, then the information requests.
func exportQueryBytes(_ name: String, _ requests: [UInt16] = []) -> Bytes {
    requests.reduce(Bytes().string(name).int(UInt16(requests.count))) { $0.int($1) }
}

/// The data of the meta context options: export name, then the queries.
func metaContextBytes(_ name: String, _ queries: [String]) -> Bytes {
    queries.reduce(Bytes().string(name).int(UInt32(queries.count))) { $0.string($1) }
}

/// A request header (and payload) as a client sends it.
func requestBytes(
    _ command: UInt16, flags: UInt16 = 0, cookie: UInt64, offset: UInt64 = 0, length: UInt32 = 0,
    payload: [UInt8] = []
) -> Bytes {
    Bytes().int(NBDMagic.request).int(flags).int(command).int(cookie).int(offset).int(length).raw(payload)
}

/// The bytes of a buffer's readable region.
func bytes(of buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }

/// Feeds `bytes` to `parse` one byte at a time and collects every non-`needMoreData` result,
/// with the number of bytes fed when it appeared.
func dripFeed<Result: Equatable>(
    _ bytes: [UInt8], needMoreData: Result, _ parse: (inout ByteBuffer) throws -> Result
) rethrows -> [(fed: Int, result: Result)] {
    var buffer = ByteBuffer()
    var results: [(Int, Result)] = []
    for (index, byte) in bytes.enumerated() {
        buffer.writeInteger(byte)
        while true {
            let result = try parse(&buffer)
            if result == needMoreData { break }
            results.append((index + 1, result))
        }
    }
    return results
}

import BlockSnapCore
import Crypto

/// One node of a block map: a sorted, sparse list of slots. Leaves (level 0) hold block
/// references; interior nodes hold the hashes of child nodes. A node is immutable and named by
/// the SHA-256 of its encoding, so equal subtrees have equal names.
///
/// Encoding (version 1), see docs/block-map.md:
///
///     "BSN1" | version u8 = 1 | level u8 | count u16 LE | count × (slot u8 | kind u8 | [hash 32])
///
/// kind 0 = zero block (no hash), 1 = data block, 2 = child node.
public struct MapNode: Sendable, Equatable {
    /// What one slot holds.
    public enum Entry: Sendable, Equatable {
        case zero
        case block(BlockHash)
        case child(BlockHash)
    }

    /// 0 for leaves.
    public var level: Int
    /// Slots in ascending order; absent slots are empty.
    public var entries: [(slot: Int, entry: Entry)]

    /// Creates a node.
    public init(level: Int, entries: [(slot: Int, entry: Entry)]) {
        self.level = level
        self.entries = entries
    }

    public static func == (lhs: MapNode, rhs: MapNode) -> Bool {
        lhs.level == rhs.level && lhs.entries.elementsEqual(rhs.entries) { $0.slot == $1.slot && $0.entry == $1.entry }
    }

    static let magic: [UInt8] = Array("BSN1".utf8)

    /// The versioned byte encoding.
    public func encode() -> [UInt8] {
        var out = Self.magic
        out.reserveCapacity(8 + entries.count * 34)
        out.append(1)
        out.append(UInt8(level))
        out.append(UInt8(truncatingIfNeeded: entries.count))
        out.append(UInt8(truncatingIfNeeded: entries.count >> 8))
        for (slot, entry) in entries {
            out.append(UInt8(slot))
            switch entry {
            case .zero:
                out.append(0)
            case .block(let hash):
                out.append(1)
                out.append(contentsOf: hash.bytes)
            case .child(let hash):
                out.append(2)
                out.append(contentsOf: hash.bytes)
            }
        }
        return out
    }

    /// Encodes and names the node.
    public func record() -> MapNodeRecord {
        let body = encode()
        return MapNodeRecord(hash: BlockHash(bytes: Array(SHA256.hash(data: body)))!, body: body)
    }

    /// Decodes a node, checking magic, version, slot order and kinds.
    public static func decode(_ body: [UInt8]) throws(BlockMapError) -> MapNode {
        guard body.count >= 8, Array(body[0..<4]) == magic, body[4] == 1 else {
            throw BlockMapError.corruptNode("bad node header")
        }
        let level = Int(body[5])
        let count = Int(body[6]) | Int(body[7]) << 8
        guard level < BlockMapLayout.depth else { throw BlockMapError.corruptNode("bad level \(level)") }
        var entries: [(slot: Int, entry: Entry)] = []
        entries.reserveCapacity(count)
        var offset = 8
        var previousSlot = -1
        for _ in 0..<count {
            guard offset + 2 <= body.count else { throw BlockMapError.corruptNode("truncated node") }
            let slot = Int(body[offset])
            let kind = body[offset + 1]
            offset += 2
            guard slot > previousSlot, slot < BlockMapLayout.fanout else {
                throw BlockMapError.corruptNode("slots out of order")
            }
            previousSlot = slot
            let entry: Entry
            switch (kind, level) {
            case (0, 0):
                entry = .zero
            case (1, 0), (2, 1...):
                guard offset + 32 <= body.count else { throw BlockMapError.corruptNode("truncated node") }
                let hash = BlockHash(bytes: Array(body[offset..<offset + 32]))!
                offset += 32
                entry = kind == 1 ? .block(hash) : .child(hash)
            default:
                throw BlockMapError.corruptNode("kind \(kind) at level \(level)")
            }
            entries.append((slot, entry))
        }
        guard offset == body.count else { throw BlockMapError.corruptNode("trailing bytes") }
        return MapNode(level: level, entries: entries)
    }
}

/// The fixed shape of every block map: 4 levels of 128-way fan-out cover 2^28 block indexes,
/// more than the 2^27 blocks of a 64 TiB volume.
public enum BlockMapLayout {
    /// Bits of the index consumed per level.
    public static let bitsPerLevel = 7
    /// Children per node.
    public static let fanout = 1 << bitsPerLevel
    /// Levels, leaves included.
    public static let depth = 4
    /// First index that does not fit.
    public static let capacity: Int64 = 1 << Int64(bitsPerLevel * depth)

    /// Number of block indexes one slot of a node at `level` covers.
    static func span(level: Int) -> Int64 { 1 << Int64(bitsPerLevel * level) }

    /// The slot of `index` within a node at `level`.
    static func slot(of index: Int64, level: Int) -> Int {
        Int((index >> Int64(bitsPerLevel * level)) & Int64(fanout - 1))
    }
}

/// A block map that cannot be read.
public enum BlockMapError: Error, Sendable, Equatable {
    case corruptNode(String)
    case missingNode(BlockHash)
    case indexOutOfRange(Int64)
}

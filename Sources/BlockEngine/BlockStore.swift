import BlockSnapCore

/// Stores and loads block content in an `ObjectStore`, addressed by SHA-256.
///
/// Invariants: an all-zero block is never stored; a block is written at most once per digest
/// (dedup); every read is decoded and re-hashed before its bytes are returned.
public struct BlockStore: Sendable {
    /// The object store holding block objects.
    public let objects: any ObjectStore
    /// zstd level used for new blocks.
    public let compressionLevel: Int32
    /// Blocks stored or re-used lately (protected from garbage collection).
    public let recent = RecentHashes()

    /// Creates a block store over `objects`.
    public init(objects: any ObjectStore, compressionLevel: Int32 = 1) {
        self.objects = objects
        self.compressionLevel = compressionLevel
    }

    /// The object key of a block: `blocks/<2 hex>/<64 hex>`.
    public static func key(for hash: BlockHash) -> String {
        let hex = hash.hex
        return "blocks/\(hex.prefix(2))/\(hex)"
    }

    /// Makes `data` (already verified to hash to `hash`) durable unless it is all zeros or
    /// already stored. Returns the reference a block map records.
    public func store(_ data: [UInt8], hash: BlockHash) async throws -> BlockRef {
        try await store(data, hash: hash) { data, hash, level in BlockCodec.encode(data, hash: hash, level: level) }
    }

    /// `store(_:hash:)`, compressing with `encode` (given the data, its hash and the
    /// compression level; for example on a background executor), which runs only when the
    /// block is not stored yet.
    public func store(
        _ data: [UInt8], hash: BlockHash,
        encode: @Sendable ([UInt8], BlockHash, Int32) async throws -> [UInt8]
    ) async throws -> BlockRef {
        if BlockCodec.isAllZero(data) { return .zero }
        recent.note(hash)
        let key = Self.key(for: hash)
        if try await objects.exists(key) { return .data(hash) }
        try await objects.put(key, try await encode(data, hash, compressionLevel))
        return .data(hash)
    }

    /// The verified content of a block.
    public func load(_ ref: BlockRef) async throws -> [UInt8] {
        switch ref {
        case .zero:
            return [UInt8](repeating: 0, count: BlockGeometry.blockSize)
        case .data(let hash):
            guard let object = try await objects.get(Self.key(for: hash)) else {
                throw BlockIntegrityError(hash: hash, reason: "object is missing")
            }
            return try BlockCodec.decode(object, expected: hash)
        }
    }

    /// Blocks stored or re-used within the grace period.
    public func recentlyStored() async -> Set<BlockHash> { recent.current() }

    /// SHA-256 of the all-zero block.
    public static let zeroBlockHash: BlockHash = BlockCodec.hash([UInt8](repeating: 0, count: BlockGeometry.blockSize))
}

import BlockSnapCore
import Testing

/// The conformance suite every `ObjectStore` passes, run against the real backend.
///
/// Each check gets a fresh, empty store from `makeStore`. Failures are recorded as Swift
/// Testing issues (so call `run` from inside a `@Test`); unexpected errors are thrown.
/// Keys use only `[A-Za-z0-9._/-]` and never make one key a directory of another, so that a
/// filesystem backend can hold them all.
public enum ObjectStoreConformance {
    /// Runs every check, each against a new store.
    public static func run(_ makeStore: () async throws -> any ObjectStore) async throws {
        try await newStoreIsEmpty(makeStore())
        try await putGetOverwrite(makeStore())
        try await emptyObject(makeStore())
        try await binaryAndBlockSizedObjects(makeStore())
        try await deleteRemovesOnlyItsKey(makeStore())
        try await listIsSortedAndFilteredByPrefix(makeStore())
        try await concurrentPutsOfOneKey(makeStore())
        try await concurrentPutsOfManyKeys(makeStore())
    }

    /// Absent keys: no object, `exists` false, deleting them is fine, nothing listed.
    static func newStoreIsEmpty(_ store: any ObjectStore) async throws {
        #expect(try await store.get("absent/key") == nil, "get of an absent key must be nil")
        #expect(try await store.exists("absent/key") == false, "exists of an absent key must be false")
        try await store.delete("absent/key")
        #expect(try await store.list(prefix: "") == [], "a new store must list nothing")
        #expect(try await store.list(prefix: "absent/") == [])
    }

    /// Put, get, exists, and a put over an existing object replacing it whole.
    static func putGetOverwrite(_ store: any ObjectStore) async throws {
        try await store.put("objects/one", [1, 2, 3])
        #expect(try await store.get("objects/one") == [1, 2, 3])
        #expect(try await store.exists("objects/one"))
        try await store.put("objects/one", [9])
        #expect(try await store.get("objects/one") == [9], "an overwrite must replace the whole object")
        try await store.put("top-level.key_A-9", [7, 7])
        #expect(try await store.get("top-level.key_A-9") == [7, 7], "keys may use . _ - and digits")
        #expect(try await store.get("objects/on") == nil, "a key's prefix is not an object")
    }

    /// A zero-length object exists and reads back as empty, not as absent.
    static func emptyObject(_ store: any ObjectStore) async throws {
        try await store.put("empty", [])
        #expect(try await store.get("empty") == [], "an empty object must read back as [] (not nil)")
        #expect(try await store.exists("empty"))
        #expect(try await store.list(prefix: "") == ["empty"])
    }

    /// Every byte value, and a 512 KiB block of pseudo-random bytes, round trip exactly.
    static func binaryAndBlockSizedObjects(_ store: any ObjectStore) async throws {
        let allBytes = (0...255).map { UInt8($0) }
        try await store.put("bin/all-bytes", allBytes)
        #expect(try await store.get("bin/all-bytes") == allBytes)

        let block = pseudoRandomBytes(count: BlockGeometry.blockSize, seed: 42)
        try await store.put("blocks/ab/abcdef", block)
        let read = try #require(try await store.get("blocks/ab/abcdef"), "a 512 KiB object must read back")
        #expect(read.count == block.count, "a 512 KiB object must keep its length")
        #expect(read == block, "a 512 KiB object must keep every byte")
    }

    /// Delete removes the object and nothing else; deleting twice is fine.
    static func deleteRemovesOnlyItsKey(_ store: any ObjectStore) async throws {
        try await store.put("d/keep", [1])
        try await store.put("d/drop", [2])
        try await store.delete("d/drop")
        #expect(try await store.get("d/drop") == nil, "a deleted object must be gone")
        #expect(try await store.exists("d/drop") == false)
        #expect(try await store.get("d/keep") == [1], "delete must not touch other keys")
        #expect(try await store.list(prefix: "d/") == ["d/keep"])
        try await store.delete("d/drop")
        try await store.put("d/drop", [3])
        #expect(try await store.get("d/drop") == [3], "a deleted key can be written again")
    }

    /// `list` returns exactly the keys starting with the prefix (a plain string prefix, not
    /// only whole path segments), in ascending order whatever the order of the puts.
    static func listIsSortedAndFilteredByPrefix(_ store: any ObjectStore) async throws {
        let keys = [
            "blocks/01/aa", "nodes/x", "blocks/00/ab", "blocksx", "blocks/00/aa", "ord/d.y", "ord/d/x", "ord/d-z",
        ]
        for key in keys { try await store.put(key, Array(key.utf8)) }
        #expect(try await store.list(prefix: "") == keys.sorted(), "list(\"\") must return every key, sorted")
        #expect(try await store.list(prefix: "blocks/") == ["blocks/00/aa", "blocks/00/ab", "blocks/01/aa"])
        #expect(try await store.list(prefix: "blocks") == ["blocks/00/aa", "blocks/00/ab", "blocks/01/aa", "blocksx"])
        #expect(try await store.list(prefix: "blocks/00/a") == ["blocks/00/aa", "blocks/00/ab"])
        #expect(try await store.list(prefix: "blocks/0") == ["blocks/00/aa", "blocks/00/ab", "blocks/01/aa"])
        #expect(try await store.list(prefix: "blocks/00/aa") == ["blocks/00/aa"], "a full key lists itself")
        #expect(try await store.list(prefix: "ord/") == ["ord/d-z", "ord/d.y", "ord/d/x"], "byte order: - . /")
        #expect(try await store.list(prefix: "zzz") == [])
        #expect(try await store.list(prefix: "nodes/x/") == [], "an object is not a directory")
    }

    /// Concurrent puts of one key: afterwards, and for every concurrent reader, the object is
    /// one of the written values, whole.
    static func concurrentPutsOfOneKey(_ store: any ObjectStore) async throws {
        let writers = 12
        let size = BlockGeometry.blockSize
        let torn = try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    try await store.put("race/key", [UInt8](repeating: UInt8(writer + 1), count: size))
                    return 0
                }
            }
            for _ in 0..<writers {
                group.addTask {
                    guard let seen = try await store.get("race/key") else { return 0 }
                    return isUniform(seen, count: size) ? 0 : 1
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(torn == 0, "a reader saw a partial or mixed object during concurrent puts")
        let final = try #require(try await store.get("race/key"))
        #expect(
            isUniform(final, count: size) && (1...UInt8(writers)).contains(final[0]),
            "after concurrent puts the object must be exactly one of the written values")
        #expect(try await store.list(prefix: "race/") == ["race/key"], "concurrent puts must leave one key")
    }

    /// Concurrent puts of distinct keys all land.
    static func concurrentPutsOfManyKeys(_ store: any ObjectStore) async throws {
        let keys = (0..<32).map { "many/\($0 % 4)/k\($0)" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for key in keys { group.addTask { try await store.put(key, Array(key.utf8)) } }
            try await group.waitForAll()
        }
        #expect(try await store.list(prefix: "many/") == keys.sorted())
        for key in keys {
            #expect(try await store.get(key) == Array(key.utf8), "concurrent put of \(key) must land")
        }
    }

    static func isUniform(_ bytes: [UInt8], count: Int) -> Bool {
        bytes.count == count && bytes.allSatisfy { $0 == bytes[0] }
    }

    /// Deterministic bytes from a 64-bit xorshift generator.
    public static func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
        var state = seed | 1
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                buffer[index] = UInt8(truncatingIfNeeded: state)
            }
            initialized = count
        }
    }
}

import BlockSnapCore
import Testing

@testable import VolumeStoreLocal

/// CreateSnapshots semantics: one freeze of two volumes, taken while writers issue writes with
/// ordered acknowledgements alternating between the volumes, is a prefix-consistent cut.
@Suite struct CrashConsistencyTests {
    private static let writers = 4
    private static let writesPerWriter = 120

    /// Writer `w`'s write `j` goes to volume `j % 2` (0 = A, 1 = B), block `w * 100 + j / 2`,
    /// as 4 KiB at the start of the block stamped with `(w, j)`.
    private static func target(writer w: Int, write j: Int) -> (volume: Int, block: Int64) {
        (j % 2, Int64(w * 100 + j / 2))
    }

    private static func content(writer w: Int, write j: Int) -> [UInt8] { stamp(w * 1000 + j, count: 4096) }

    @Test(arguments: [30, 100, 200, 350, 470])
    func aFreezeOfTwoVolumesIsAPrefixConsistentCut(trigger: Int) async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volumes = [VolumeTestEnvironment.volume(1), VolumeTestEnvironment.volume(2)]
        for volume in volumes { try await store.createVolume(volume) }
        let ids = volumes.map(\.id)
        let acknowledged = Counter()

        let frozen = try await withThrowingTaskGroup(of: [String: any FrozenBlocks]?.self) { group in
            for w in 0..<Self.writers {
                group.addTask {
                    for j in 0..<Self.writesPerWriter {
                        let (v, block) = Self.target(writer: w, write: j)
                        try await store.write(
                            volumeId: ids[v], offset: block * blockSize64, bytes: Self.content(writer: w, write: j))
                        await acknowledged.increment()
                    }
                    return nil
                }
            }
            group.addTask {
                while await acknowledged.value < trigger { await Task.yield() }
                return try await store.freeze(ids)
            }
            var result: [String: any FrozenBlocks] = [:]
            for try await value in group { if let value { result = value } }
            return result
        }
        let frozenA = try #require(frozen[ids[0]])
        let frozenB = try #require(frozen[ids[1]])
        let frozenSets = [Set(frozenA.indexes), Set(frozenB.indexes)]
        #expect(frozenSets[0].count + frozenSets[1].count >= trigger)

        for w in 0..<Self.writers {
            // Which of writer w's writes are in the freeze: they must be a prefix 0..<k.
            let included = (0..<Self.writesPerWriter).map { j in
                let (v, block) = Self.target(writer: w, write: j)
                return frozenSets[v].contains(block)
            }
            let k = included.firstIndex(of: false) ?? included.count
            #expect(included[k...].allSatisfy { !$0 }, "writer \(w): write \(k) missing but a later one present")
            for j in 0..<k {
                let (v, block) = Self.target(writer: w, write: j)
                let bytes = try await (v == 0 ? frozenA : frozenB).read(block)
                #expect(Array(bytes[0..<4096]) == Self.content(writer: w, write: j))
            }
        }
        await frozenA.release(captured: true)
        await frozenB.release(captured: true)

        // The next freeze holds exactly the rest.
        let rest = try await store.freeze(ids)
        let total = (rest[ids[0]]?.indexes.count ?? 0) + (rest[ids[1]]?.indexes.count ?? 0)
        #expect(total + frozenSets[0].count + frozenSets[1].count == Self.writers * Self.writesPerWriter)
    }
}

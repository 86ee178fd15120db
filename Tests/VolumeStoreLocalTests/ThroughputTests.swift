import BlockSnapCore
import Foundation
import Testing

@testable import VolumeStoreLocal

/// Rough throughput through the public API, printed next to plain `pwrite` on a file in the
/// same directory from the same number of tasks. No assertions: these figures depend on the
/// machine, the build configuration and whatever else runs.
@Suite(.serialized) struct ThroughputTests {
    private static let volumeGiB: Int64 = 1
    private static let sequentialDepth = 4
    private static let randomDepth = 16
    private static let randomWrites = 32_000

    @Test func printThroughput() async throws {
        let env = try VolumeTestEnvironment()
        defer { env.directory.remove() }
        let store = env.makeStore()
        let volume = VolumeTestEnvironment.volume(1, sizeGiB: Self.volumeGiB)
        let fresh = VolumeTestEnvironment.volume(2, sizeGiB: Self.volumeGiB)
        try await store.createVolume(volume)
        try await store.createVolume(fresh)
        let (id, freshId) = (volume.id, fresh.id)
        let size = Self.volumeGiB << 30
        let raw = try POSIXFile.open(env.directory.appending("raw"), flags: 0o102)  // O_RDWR | O_CREAT
        try raw.truncate(to: size)
        let chunk = pattern(tag: 1, block: 0)
        let small = stamp(1, count: 4096)
        let settle = { @Sendable in
            try raw.dataSync()
            try await store.flush(volumeId: id)
            try await store.flush(volumeId: freshId)
        }

        let sequential = try await Self.sequential(depth: Self.sequentialDepth, size: size) { offset in
            try await store.write(volumeId: id, offset: offset, bytes: chunk)
        }
        let flushed = try await ContinuousClock().measure { try await store.flush(volumeId: id) }
        let rawSequential = try await Self.sequential(depth: Self.sequentialDepth, size: size) { offset in
            try raw.write(chunk, range: 0..<chunk.count, at: offset)
        }
        try await settle()
        let localRandom = try await Self.random(depth: Self.randomDepth, count: Self.randomWrites, size: size) {
            offset in
            try await store.write(volumeId: id, offset: offset, bytes: small)
        }
        try await settle()
        let rawRandom = try await Self.random(depth: Self.randomDepth, count: Self.randomWrites, size: size) { offset in
            try raw.write(small, range: 0..<small.count, at: offset)
        }
        try await settle()
        let firstTouch = try await Self.random(depth: Self.randomDepth, count: Self.randomWrites, size: size) {
            offset in
            try await store.write(volumeId: freshId, offset: offset, bytes: small)
        }
        try await settle()
        let sequentialRead = try await Self.sequential(depth: Self.sequentialDepth, size: size) { offset in
            _ = try await store.read(volumeId: id, offset: offset, length: blockSize)
        }
        let rawSequentialRead = try await Self.sequential(depth: Self.sequentialDepth, size: size) { offset in
            _ = try raw.read(count: blockSize, at: offset)
        }
        let mib = Double(size) / Double(1 << 20)
        let iops = { (seconds: Double) in Int(Double(Self.randomWrites) / seconds) }
        print(
            """
            volume store throughput (\(Self.volumeGiB) GiB volume, page cache, this build configuration):
              512 KiB sequential writes, depth \(Self.sequentialDepth): \(Int(mib / sequential)) MiB/s \
            (plain pwrite \(Int(mib / rawSequential)) MiB/s); flush after: \(flushed)
              512 KiB sequential reads, depth \(Self.sequentialDepth): \(Int(mib / sequentialRead)) MiB/s \
            (plain pread \(Int(mib / rawSequentialRead)) MiB/s)
              4 KiB random writes, depth \(Self.randomDepth), local blocks: \(iops(localRandom)) IOPS \
            (plain pwrite \(iops(rawRandom)) IOPS)
              4 KiB random writes, depth \(Self.randomDepth), first touch of fresh blocks: \(iops(firstTouch)) IOPS
            """)
    }

    /// Seconds to run `body` over every 512 KiB offset of `size` bytes from `depth` tasks.
    private static func sequential(depth: Int, size: Int64, _ body: @escaping @Sendable (Int64) async throws -> Void)
        async throws -> Double
    {
        let blocks = size / blockSize64
        return try await seconds {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<Int64(depth) {
                    group.addTask {
                        for b in stride(from: task, to: blocks, by: depth) { try await body(b * blockSize64) }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    /// Seconds to run `body` at `count` random 4 KiB-aligned offsets from `depth` tasks.
    private static func random(
        depth: Int, count: Int, size: Int64, _ body: @escaping @Sendable (Int64) async throws -> Void
    ) async throws -> Double {
        try await seconds {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<depth {
                    group.addTask {
                        var random = SeededGenerator(seed: UInt64(task + 1))
                        for _ in 0..<count / depth {
                            try await body(Int64.random(in: 0..<size / 4096, using: &random) * 4096)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    private static func seconds(_ body: () async throws -> Void) async throws -> Double {
        let elapsed = try await ContinuousClock().measure { try await body() }
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

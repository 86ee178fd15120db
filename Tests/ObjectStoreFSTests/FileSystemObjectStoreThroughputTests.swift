import BlockSnapCore
import BlockSnapTesting
import Foundation
import ObjectStoreFS
import Testing

@Suite("FileSystemObjectStore throughput (printed, not asserted)")
struct FileSystemObjectStoreThroughputTests {
    @Test("512 KiB puts and gets with 8 concurrent callers")
    func blockSizedPuts() async throws {
        let directory = try TemporaryDirectory(prefix: "objectstore-throughput")
        defer { directory.remove() }
        let store = try FileSystemObjectStore(root: directory.appending("objects"))
        let callers = 8
        let perCaller = 64
        let block = ObjectStoreConformance.pseudoRandomBytes(count: BlockGeometry.blockSize, seed: 7)
        let keys = (0..<callers * perCaller).map { String(format: "blocks/%02x/block-%06d", $0 % 256, $0) }
        // A store in use has all 256 fan-out directories already; create them outside the timing.
        for fanOut in 0..<256 { try await store.put(String(format: "blocks/%02x/warm", fanOut), [1]) }

        let putSeconds = try await timed {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for caller in 0..<callers {
                    group.addTask {
                        for step in 0..<perCaller { try await store.put(keys[step * callers + caller], block) }
                    }
                }
                try await group.waitForAll()
            }
        }
        let getSeconds = try await timed {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for caller in 0..<callers {
                    group.addTask {
                        for step in 0..<perCaller {
                            let read = try await store.get(keys[step * callers + caller])
                            #expect(read?.count == block.count)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let syncs = FsyncProbe.syncsPerSecond(in: directory.path).map { "\(Int($0))" } ?? "?"
        let count = Double(keys.count)
        let mib = count * Double(block.count) / 1_048_576
        print(
            "FileSystemObjectStore: \(keys.count) puts of 512 KiB, \(callers) callers: "
                + "\(Int(count / putSeconds)) puts/s (\(Int(mib / putSeconds)) MiB/s); "
                + "gets \(Int(count / getSeconds))/s (\(Int(mib / getSeconds)) MiB/s) "
                + "(this disk: \(syncs) fsyncs/s)")
        #expect(try await store.list(prefix: "blocks/").count == keys.count + 256)
    }

    private func timed(_ body: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

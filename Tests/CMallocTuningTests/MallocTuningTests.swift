import CMallocTuning
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc

    /// `blocksnap_keep_freed_memory`: buffers freed and allocated again reuse their memory
    /// instead of faulting in fresh pages.
    @Suite struct MallocTuningTests {
        /// Minor page faults of the calling thread so far.
        private static func threadMinorFaults() -> Int {
            var usage = rusage()
            getrusage(__rusage_who_t(1), &usage)  // RUSAGE_THREAD (a GNU extension the module does not export)
            return usage.ru_minflt
        }

        /// Runs `body` on a new thread (whose malloc arena and fault counts are its own) and
        /// returns its result.
        private static func onNewThread(_ body: @escaping @Sendable () -> Int) -> Int {
            let done = DispatchSemaphore(value: 0)
            let result = LockedResult()
            let thread = Thread {
                result.set(body())
                done.signal()
            }
            thread.start()
            done.wait()
            return result.get()
        }

        @Test func freedBuffersAreReusedWithoutNewPageFaults() {
            #expect(blocksnap_keep_freed_memory(256 << 20, 4 << 20) == 1)
            let rounds = 8
            let buffers = 32
            let bufferBytes = 512 << 10
            let faults = Self.onNewThread {
                var perRound: [Int] = []
                for _ in 0..<rounds {
                    let before = Self.threadMinorFaults()
                    // 16 MiB outstanding, then all freed: without the tuning glibc returns the
                    // arena's free top to the system and the next round faults it all in again.
                    let held = (0..<buffers).map { _ in malloc(bufferBytes)! }
                    for buffer in held {
                        for page in stride(from: 0, to: bufferBytes, by: 4096) {
                            buffer.storeBytes(of: 1, toByteOffset: page, as: UInt8.self)
                        }
                    }
                    held.forEach { free($0) }
                    perRound.append(Self.threadMinorFaults() - before)
                }
                // Every round after the first.
                return perRound.dropFirst().reduce(0, +)
            }
            let pagesPerRound = buffers * bufferBytes / 4096
            #expect(faults < pagesPerRound / 4, "later rounds faulted \(faults) pages in (one round touches \(pagesPerRound))")
        }
    }

    private final class LockedResult: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func set(_ newValue: Int) { lock.withLock { value = newValue } }
        func get() -> Int { lock.withLock { value } }
    }
#endif

import BlockSnapCore
import Foundation

/// A few reusable block-sized buffers for copies that go through user space.
///
/// A buffer taken from the pool has been written before (after its first use), so a copy
/// through it touches no fresh memory; a new allocation of 512 KiB would be a fresh `mmap` with
/// a page fault per page. At most `capacity` buffers exist at once: when all are lent out,
/// `withBuffer` declines and the caller copies another way.
///
/// Invariant: a buffer is lent to one caller at a time, and is freed only when the pool is.
final class CopyBufferPool: @unchecked Sendable {
    /// Bytes per buffer: one block.
    static let bufferBytes = BlockGeometry.blockSize

    private let lock = NSLock()
    private let capacity: Int
    /// Buffers not lent out; guarded by `lock`.
    private var idle: [UnsafeMutableRawBufferPointer] = []
    /// Buffers allocated so far; guarded by `lock`.
    private var allocated = 0

    init(capacity: Int) { self.capacity = capacity }

    deinit {
        for buffer in idle { buffer.deallocate() }
    }

    /// Runs `body` with a buffer of `bufferBytes`, or returns nil without running it when
    /// every buffer is in use.
    func withBuffer<Result>(_ body: (UnsafeMutableRawBufferPointer) throws -> Result) rethrows -> Result? {
        let lent: UnsafeMutableRawBufferPointer? = lock.withLock {
            if let buffer = idle.popLast() { return buffer }
            guard allocated < capacity else { return nil }
            allocated += 1
            return UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferBytes, alignment: 4096)
        }
        guard let buffer = lent else { return nil }
        defer { lock.withLock { idle.append(buffer) } }
        return try body(buffer)
    }
}

import BlockSnapCore

/// Reads and allocation status. Reads take no block lock: a read racing a write of the same
/// bytes may see the old or the new bytes, as on a disk; a read issued after a write was
/// acknowledged sees it (the block is marked local before the write returns).
extension VolumeFile {
    /// One contiguous piece of a read.
    private enum Run {
        /// Volume bytes `[offset, offset+count)` of the data segments (a run may cross a segment
        /// boundary; `SegmentedDataFile` splits it), at `at` in the result.
        case local(offset: Int64, count: Int, at: Int)
        /// `count` bytes from `within` of base block `index`, at `at` in the result.
        case base(index: Int64, within: Int, count: Int, at: Int)
    }

    /// The `length` bytes at `offset`.
    func read(offset: Int64, length: Int) async throws -> [UInt8] {
        // The array outlives the read (it is returned after it) and is not touched meanwhile.
        var out = [UInt8](repeating: 0, count: length)
        let destination = out.withUnsafeMutableBytes { ReadDestination(start: $0.baseAddress!, count: length) }
        try await read(offset: offset, into: destination)
        return out
    }

    /// The bytes at `offset` written into `destination`, which the caller keeps valid.
    func read(offset: Int64, into destination: ReadDestination) async throws {
        let (runs, base) = try lock.withLock { () throws -> ([Run], BlockHash?) in
            if state.closed { throw VolumeStoreError.unknownVolume(id) }
            try checkRangeLocked(offset: offset, length: Int64(destination.count))
            return (runsLocked(offset: offset, length: destination.count), state.base)
        }
        let data = self.data
        for run in runs {
            switch run {
            case .local(let start, let count, let at):
                let piece = ReadDestination(start: destination.start + at, count: count)
                // Cached bytes are copied right here; only a read that must wait for the disk
                // goes to the I/O threads (two thread hops saved per cached read).
                if count > context.io.inlineLimit, try data.readIfCached(into: piece.slice(at: 0, count: count), at: start) {
                    continue
                }
                try await context.io.transfer(bytes: count) {
                    try data.read(into: piece.slice(at: 0, count: count), at: start)
                }
            case .base(let index, let within, let count, let at):
                let piece = destination.slice(at: at, count: count)
                if let block = try await context.base.content(root: base, index: index) {
                    block.withUnsafeBytes { source in
                        piece.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[within..<within + count]))
                    }
                } else {
                    piece.initializeMemory(as: UInt8.self, repeating: 0)
                }
            }
        }
    }

    /// The read done on the calling thread when every run is local and in the page cache (no
    /// wait for the disk); false otherwise, with `destination` partly written.
    func readNow(offset: Int64, into destination: ReadDestination) throws -> Bool {
        let runs = try lock.withLock { () throws -> [Run] in
            if state.closed { throw VolumeStoreError.unknownVolume(id) }
            try checkRangeLocked(offset: offset, length: Int64(destination.count))
            return runsLocked(offset: offset, length: destination.count)
        }
        for run in runs {
            guard case .local(let start, let count, let at) = run,
                try data.readIfCached(into: destination.slice(at: at, count: count), at: start)
            else { return false }
        }
        return true
    }

    /// Splits a read into runs of local blocks and single base blocks (lock held).
    private func runsLocked(offset: Int64, length: Int) -> [Run] {
        var runs: [Run] = []
        let end = offset + Int64(length)
        var position = offset
        while position < end {
            let index = position / Self.blockSize
            let stop = min(end, (index + 1) * Self.blockSize)
            let count = Int(stop - position)
            let at = Int(position - offset)
            if state.local.contains(index) {
                if case .local(let start, let previous, let previousAt)? = runs.last {
                    runs[runs.count - 1] = .local(offset: start, count: previous + count, at: previousAt)
                } else {
                    runs.append(.local(offset: position, count: count, at: at))
                }
            } else {
                runs.append(
                    .base(index: index, within: Int(position - index * Self.blockSize), count: count, at: at))
            }
            position = stop
        }
        return runs
    }

    /// Allocation status of `[offset, offset+length)`, merged into runs. Covers at most
    /// `maxBlocks` blocks from `offset` (NBD lets a reply describe less than was asked).
    func blockStatus(offset: Int64, length: Int64, maxBlocks: Int64) async throws -> [VolumeExtent] {
        let (first, localFlags, base) = try lock.withLock { () throws -> (Int64, [Bool], BlockHash?) in
            if state.closed { throw VolumeStoreError.unknownVolume(id) }
            try checkRangeLocked(offset: offset, length: length)
            guard length > 0 else { return (0, [], nil) }
            let first = offset / Self.blockSize
            let last = min((offset + length - 1) / Self.blockSize, first + maxBlocks - 1)
            return (first, (first...last).map { state.local.contains($0) }, state.base)
        }
        guard !localFlags.isEmpty else { return [] }
        let range = first..<first + Int64(localFlags.count)
        let baseData = localFlags.allSatisfy { $0 } ? [] : try await context.base.dataIndexes(root: base, in: range)
        let end = min(offset + length, range.upperBound * Self.blockSize)
        var extents: [VolumeExtent] = []
        for (i, isLocal) in localFlags.enumerated() {
            let index = first + Int64(i)
            let start = max(offset, index * Self.blockSize)
            let stop = min(end, (index + 1) * Self.blockSize)
            let allocated = isLocal || baseData.contains(index)
            if let last = extents.last, last.allocated == allocated {
                extents[extents.count - 1].length += stop - start
            } else {
                extents.append(VolumeExtent(offset: start, length: stop - start, allocated: allocated))
            }
        }
        return extents
    }
}

import BlockSnapCore
import Logging
import NIOCore

/// Why a request failed: the NBD error and a message for the client's user.
struct NBDFailure: Error, Hashable, Sendable {
    /// The error value sent.
    var errno: NBDErrno
    /// A short explanation (structured replies only carry it).
    var message: String
}

/// Checks and runs the requests of one connection against the volume store, and builds their
/// replies: simple replies, or structured ones when they were negotiated.
///
/// Invariant: a request that fails `check` never reaches the store.
struct NBDCommandExecutor: Sendable {
    /// What option haggling settled.
    let session: NBDSession
    /// The data plane.
    let volumes: any VolumeBlockIO
    /// The largest read or write payload.
    let maxPayload: Int
    /// The connection's logger.
    let logger: Logger

    private var volumeId: String { session.export.volumeId }

    /// The failure a request must be answered with before running, or nil if it may run:
    /// unknown commands and flags, writes to a read-only export, ranges past the end, reads
    /// longer than the maximum payload, block status without a metadata context.
    func check(_ request: NBDRequest) -> NBDFailure? {
        let export = session.export
        var allowed = NBDCommandFlags.fua
        switch request.command {
        case .read: if session.structuredReplies { allowed |= NBDCommandFlags.dontFragment }
        case .write, .trim, .flush, .cache: break
        case .writeZeroes: allowed |= NBDCommandFlags.noHole | NBDCommandFlags.fastZero
        case .blockStatus: allowed |= NBDCommandFlags.requestOne
        default: return NBDFailure(errno: .invalid, message: "unknown command \(request.command.rawValue)")
        }
        if request.flags & ~allowed != 0 {
            return NBDFailure(
                errno: .invalid, message: "flags 0x\(String(request.flags, radix: 16)) are not valid here")
        }
        if request.command.isWrite && !export.writable {
            return NBDFailure(errno: .permission, message: "the export is read-only")
        }
        let size = UInt64(max(0, export.size))
        if request.command != .flush, request.offset > size || UInt64(request.length) > size - request.offset {
            let pastEnd: NBDErrno = request.command == .write || request.command == .writeZeroes ? .noSpace : .invalid
            return NBDFailure(
                errno: pastEnd, message: "range \(request.offset)+\(request.length) is past the end (\(size))")
        }
        if request.command == .read, request.length > maxPayload {
            return NBDFailure(
                errno: session.structuredReplies ? .overflow : .invalid,
                message: "read of \(request.length) bytes exceeds the maximum payload \(maxPayload)")
        }
        if request.command == .blockStatus {
            if session.allocationContextId == nil {
                return NBDFailure(errno: .invalid, message: "no metadata context was negotiated")
            }
            if request.length == 0 { return NBDFailure(errno: .invalid, message: "block status of zero length") }
        }
        return nil
    }

    /// Runs a request that passed `check` and returns its reply.
    func execute(_ request: NBDRequest) async -> ByteBuffer {
        do {
            return try await run(request)
        } catch {
            return failureReply(request, error)
        }
    }

    /// The reply to a request that passed `check`, when the store can answer it at once on the
    /// calling thread (a read of local bytes in memory, a small write of a local block that
    /// nothing else holds); nil when it must run as a task (`execute`).
    func executeNow(_ request: NBDRequest) -> ByteBuffer? {
        do {
            switch request.command {
            case .read where request.length > 0 && request.length <= Self.maxInlineRead:
                return try readNow(request)
            case .write where !request.has(NBDCommandFlags.fua):
                let done = try volumes.writeNow(
                    volumeId: volumeId, offset: Int64(request.offset), bytes: request.payload)
                return done ? NBDReply.simple(cookie: request.cookie) : nil
            default:
                return nil
            }
        } catch {
            return failureReply(request, error)
        }
    }

    /// The largest read `executeNow` copies on the connection's reader (a page-cache copy of
    /// this much takes tens of microseconds).
    static let maxInlineRead: UInt32 = 1 << 20

    /// The reply to a request that failed with `error`.
    private func failureReply(_ request: NBDRequest, _ error: any Error) -> ByteBuffer {
        if let failure = error as? NBDFailure { return errorReply(request, failure) }
        let pastEnd: NBDErrno = request.command == .write || request.command == .writeZeroes ? .noSpace : .invalid
        let errno = NBDErrno.forStoreError(error, pastEnd: pastEnd)
        // A deleted volume answers EIO to whoever still has it open, without a log line per
        // request (a client could otherwise fill the log).
        let gone = (error as? any VolumeIOFailure)?.volumeIOKind == .volumeGone
        if errno == .io && !gone || errno == .noMemory {
            logger.error(
                "NBD request failed",
                metadata: [
                    "nbd.command": "\(request.command)", "nbd.offset": "\(request.offset)", "error": "\(error)",
                ])
        }
        let message = (error as? any VolumeIOFailure).map { "\($0.volumeIOKind)" } ?? "internal error"
        return errorReply(request, NBDFailure(errno: errno, message: message))
    }

    /// The reply to a failed request.
    func errorReply(_ request: NBDRequest, _ failure: NBDFailure) -> ByteBuffer {
        guard session.structuredReplies else { return NBDReply.simple(cookie: request.cookie, error: failure.errno) }
        return NBDReply.structuredError(cookie: request.cookie, error: failure.errno, message: failure.message)
    }

    /// A reply to a read with room for its `length` data bytes after the header, and where
    /// they go. The store fills the destination while the reply stays alive and untouched; its
    /// storage is unique (just allocated), so nothing moves it.
    private func readReply(_ request: NBDRequest, length: Int) -> (ByteBuffer, ReadDestination) {
        var reply = session.structuredReplies
            ? NBDReply.offsetDataHeader(cookie: request.cookie, offset: request.offset, length: length)
            : NBDReply.simpleReadHeader(cookie: request.cookie, length: length)
        let destination = reply.withUnsafeMutableWritableBytes { writable in
            ReadDestination(start: writable.baseAddress!, count: length)
        }
        return (reply, destination)
    }

    /// The reply to a read: the header, then the volume bytes read straight into the reply
    /// buffer (no intermediate array).
    private func read(_ request: NBDRequest, offset: Int64, length: Int) async throws -> ByteBuffer {
        let (header, destination) = readReply(request, length: length)
        var reply = header
        try await volumes.read(volumeId: volumeId, offset: offset, into: destination)
        reply.moveWriterIndex(forwardBy: length)
        return reply
    }

    /// The reply to a read the store could serve at once, or nil.
    private func readNow(_ request: NBDRequest) throws -> ByteBuffer? {
        let length = Int(request.length)
        let (header, destination) = readReply(request, length: length)
        var reply = header
        guard try volumes.readNow(volumeId: volumeId, offset: Int64(request.offset), into: destination) else {
            return nil
        }
        reply.moveWriterIndex(forwardBy: length)
        return reply
    }

    private func run(_ request: NBDRequest) async throws -> ByteBuffer {
        let (offset, length, fua) = (Int64(request.offset), Int64(request.length), request.has(NBDCommandFlags.fua))
        switch request.command {
        case .read:
            if session.structuredReplies, length == 0 { return NBDReply.none(cookie: request.cookie) }
            return try await read(request, offset: offset, length: Int(length))
        case .write:
            try await volumes.write(volumeId: volumeId, offset: offset, bytes: request.payload, fua: fua)
        case .writeZeroes:
            try await writeZeroes(request, offset: offset, length: length, fua: fua)
        case .trim:
            try await zeroAllocated(offset: offset, length: length, fua: fua)
        case .flush:
            try await volumes.flush(volumeId: volumeId)
        case .blockStatus:
            return try await blockStatus(request, offset: offset, length: length)
        default:
            break  // NBD_CMD_CACHE: a hint; nothing to prefetch from a local file.
        }
        return NBDReply.simple(cookie: request.cookie)
    }

    /// `NBD_CMD_WRITE_ZEROES`. Allocated whole blocks become holes, which is fast; a fast-zero
    /// request on any other range fails at once with `NBD_ENOTSUP`. `NO_HOLE` writes real zeros,
    /// so the range is provisioned.
    private func writeZeroes(_ request: NBDRequest, offset: Int64, length: Int64, fua: Bool) async throws {
        let noHole = request.has(NBDCommandFlags.noHole)
        if request.has(NBDCommandFlags.fastZero) {
            let block = Int64(BlockGeometry.blockSize)
            guard !noHole, offset % block == 0, length % block == 0 || offset + length == session.export.size else {
                throw NBDFailure(errno: .notSupported, message: "zeroing this range is not faster than writing it")
            }
        }
        guard noHole else {
            try await zeroAllocated(offset: offset, length: length, fua: fua)
            return
        }
        let chunk = [UInt8](repeating: 0, count: Int(min(length, 1 << 20)))
        var position = offset
        while position < offset + length {
            let count = Int(min(Int64(chunk.count), offset + length - position))
            try await volumes.write(
                volumeId: volumeId, offset: position, bytes: count == chunk.count ? chunk : Array(chunk[..<count]),
                fua: false)
            position += Int64(count)
        }
        if fua { try await volumes.flush(volumeId: volumeId) }
    }

    /// Zeroes the allocated extents of `[offset, offset+length)` and leaves its holes alone:
    /// they already read as zeros. So copy tools that zero a fresh volume's unwritten areas
    /// (nbdcopy, qemu-img convert) keep it sparse, and its block status keeps reporting holes.
    /// (A write racing on another connection is ordered as if it came after the zeroing.)
    private func zeroAllocated(offset: Int64, length: Int64, fua: Bool) async throws {
        var position = offset
        while position < offset + length {
            let extents = try await volumes.blockStatus(
                volumeId: volumeId, offset: position, length: offset + length - position)
            guard let last = extents.last else { break }
            for extent in extents where extent.allocated {
                try await volumes.writeZeroes(volumeId: volumeId, offset: extent.offset, length: extent.length, fua: false)
            }
            position = last.offset + last.length
        }
        if fua { try await volumes.flush(volumeId: volumeId) }
    }

    /// `NBD_CMD_BLOCK_STATUS` for `base:allocation`: holes are reported `HOLE | ZERO`, allocated
    /// extents with no flags (their content is unknown). The store may describe less than asked.
    private func blockStatus(_ request: NBDRequest, offset: Int64, length: Int64) async throws -> ByteBuffer {
        let extents = try await volumes.blockStatus(volumeId: volumeId, offset: offset, length: length)
        var descriptors: [NBDExtentDescriptor] = []
        for extent in extents where extent.length > 0 {
            let flags = extent.allocated ? 0 : NBDAllocationState.hole | NBDAllocationState.zero
            var remaining = extent.length
            while remaining > 0 {
                let piece = min(remaining, 1 << 31)
                descriptors.append(NBDExtentDescriptor(length: UInt32(piece), flags: flags))
                remaining -= piece
            }
        }
        guard !descriptors.isEmpty else { throw NBDFailure(errno: .io, message: "no allocation status") }
        if request.has(NBDCommandFlags.requestOne) { descriptors = [descriptors[0]] }
        return NBDReply.blockStatus(
            cookie: request.cookie, contextId: session.allocationContextId ?? 0, descriptors: descriptors)
    }
}

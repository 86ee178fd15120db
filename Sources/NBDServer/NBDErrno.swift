import BlockSnapCore

/// An NBD error value, as sent in a reply (proto.md "Error values"). The protocol fixes the
/// numbers; they are not the host's `errno`.
struct NBDErrno: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    let rawValue: UInt32

    init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `NBD_EPERM`: a write to a read-only export.
    static let permission = NBDErrno(rawValue: 1)
    /// `NBD_EIO`: the store failed.
    static let io = NBDErrno(rawValue: 5)
    /// `NBD_ENOMEM`.
    static let noMemory = NBDErrno(rawValue: 12)
    /// `NBD_EINVAL`: bad range, flags, command or length.
    static let invalid = NBDErrno(rawValue: 22)
    /// `NBD_ENOSPC`: a write past the end of the export, or the disk is full.
    static let noSpace = NBDErrno(rawValue: 28)
    /// `NBD_EOVERFLOW`: a structured read longer than the maximum payload.
    static let overflow = NBDErrno(rawValue: 75)
    /// `NBD_ENOTSUP`: a fast zero that would not be fast.
    static let notSupported = NBDErrno(rawValue: 95)
    /// `NBD_ESHUTDOWN`: the server is shutting down.
    static let shutdown = NBDErrno(rawValue: 108)

    var description: String {
        switch rawValue {
        case 1: "EPERM"
        case 5: "EIO"
        case 12: "ENOMEM"
        case 22: "EINVAL"
        case 28: "ENOSPC"
        case 75: "EOVERFLOW"
        case 95: "ENOTSUP"
        case 108: "ESHUTDOWN"
        default: "NBD error \(rawValue)"
        }
    }

    /// The value a failed data-plane call is answered with. `pastEnd` is what a range past the
    /// end of the volume means for this command (`ENOSPC` for writes, `EINVAL` otherwise).
    static func forStoreError(_ error: any Error, pastEnd: NBDErrno) -> NBDErrno {
        guard let error = error as? any VolumeIOFailure else { return .io }
        switch error.volumeIOKind {
        case .outOfRange: return pastEnd
        case .invalidArgument: return .invalid
        case .noSpace: return .noSpace
        case .noMemory: return .noMemory
        case .io, .volumeGone: return .io
        }
    }
}

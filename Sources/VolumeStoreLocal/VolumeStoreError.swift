import BlockSnapCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failure of the local volume store. The code decides how a front end answers (the NBD
/// server maps `.outOfRange` to `NBD_EINVAL`/`NBD_ENOSPC`, `.ioFailure` to `NBD_EIO`, …).
///
/// Invariant: `message` names what is wrong without including volume data.
public struct VolumeStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case outOfRange
            case unknownVolume
            case invalidArgument
            case frozenBlockUnavailable
            case corruptMetadata
            case ioFailure
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// An offset or length that is negative or reaches past the end of the volume.
        public static let outOfRange = Code(.outOfRange)
        /// No volume with this id is open in this store (or it was closed or deleted).
        public static let unknownVolume = Code(.unknownVolume)
        /// A malformed volume id, a shrinking resize, a size out of range.
        public static let invalidArgument = Code(.invalidArgument)
        /// A frozen block that is not part of the freeze, was released, or was overwritten
        /// after the capturer had read it once.
        public static let frozenBlockUnavailable = Code(.frozenBlockUnavailable)
        /// A metadata file that fails its magic, version, size or checksum check.
        public static let corruptMetadata = Code(.corruptMetadata)
        /// A system call failed (`errno` tells which way), or an earlier `fsync` failure made
        /// the volume's durability unknowable.
        public static let ioFailure = Code(.ioFailure)

        public var description: String { base.rawValue }
    }

    /// The failure's code.
    public let code: Code
    /// What is wrong.
    public let message: String
    /// The `errno` of the failed system call, for `.ioFailure`.
    public let errno: Int32?

    /// Creates an error.
    public init(_ code: Code, _ message: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    public var description: String { "\(code): \(message)" }

    static func unknownVolume(_ id: String) -> VolumeStoreError {
        VolumeStoreError(.unknownVolume, "volume \(id) is not open in this volume store")
    }

    static func outOfRange(offset: Int64, length: Int64, size: Int64) -> VolumeStoreError {
        VolumeStoreError(.outOfRange, "range \(offset)+\(length) is outside the volume's \(size) bytes")
    }
}

extension VolumeStoreError: VolumeIOFailure {
    public var volumeIOKind: VolumeIOFailureKind {
        switch code {
        case .outOfRange: return .outOfRange
        case .invalidArgument: return .invalidArgument
        case .unknownVolume: return .volumeGone
        case .ioFailure:
            switch errno {
            case ENOSPC?, EDQUOT?, EFBIG?: return .noSpace
            case ENOMEM?: return .noMemory
            default: return .io
            }
        default: return .io
        }
    }
}

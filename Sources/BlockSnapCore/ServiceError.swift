/// A typed failure raised below the front ends. Each code maps, in one table per protocol,
/// to an AWS error code and HTTP status; the message is safe to show to the client.
public struct ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, independent of any wire protocol.
    public enum Code: String, Sendable, CaseIterable {
        /// A parameter has a wrong value, type or length.
        case invalidParameterValue
        /// A required parameter is absent.
        case missingParameter
        /// Parameters that cannot be combined.
        case invalidParameterCombination
        /// A snapshot id that is malformed.
        case invalidSnapshotId
        /// A volume size out of range.
        case invalidVolumeSize
        /// A tag breaking the EC2 tag rules.
        case invalidTag
        /// Block data that does not match its length or checksum, or an index outside the volume.
        case invalidBlock
        /// A block token that is forged, expired or for another snapshot or block.
        case invalidBlockToken
        /// A pagination token that is forged or for another listing.
        case invalidPageToken
        /// Two snapshots that do not share a lineage.
        case unrelatedSnapshots
        /// A request for encryption, which this server refuses until keys exist.
        case invalidCustomerKey
        /// The snapshot is not in the state the operation needs.
        case incorrectSnapshotState
        /// No snapshot with this id is visible to the caller.
        case snapshotNotFound
        /// The same client token was used with other parameters.
        case idempotencyConflict
        /// The caller may not act on the resource.
        case accessDenied
        /// A volume id that is malformed.
        case invalidVolumeId
        /// No volume with this id is visible to the caller.
        case volumeNotFound
        /// An instance id that is malformed.
        case invalidInstanceId
        /// No instance with this id is visible to the caller.
        case instanceNotFound
        /// The volume is attached and cannot be deleted or attached again.
        case volumeInUse
        /// The volume and the instance are in different availability zones.
        case volumeZoneMismatch
        /// The resource is not in the state the operation needs.
        case incorrectState
        /// The instance is not in the state the operation needs (EC2's `IncorrectInstanceState`).
        case incorrectInstanceState
        /// A resource id that names no resource the operation can act on (EC2's `InvalidID`).
        case invalidId
        /// A volume was modified too often within the rolling window.
        case volumeModificationRateExceeded
        /// A pagination token that is not valid.
        case invalidNextToken
        /// A filter name the operation does not know.
        case invalidFilter
        /// An account id (e.g. in a permission) that is not valid.
        case invalidUserId
        /// DryRun: the request would have succeeded.
        case dryRunOperation
        /// DryRun or a real request the caller may not make.
        case unauthorizedOperation
        /// A server-side fault; details are only in the log.
        case internalError
    }

    /// The failure's code.
    public let code: Code
    /// A message for the client.
    public let message: String

    /// Creates an error with a code and a client-safe message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

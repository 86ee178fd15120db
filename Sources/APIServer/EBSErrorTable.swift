import BlockSnapCore
import HTTPTypes

/// The one table that maps service error codes and authentication failures to the EBS
/// REST-JSON error type, `Reason` and HTTP status.
enum EBSErrorTable {
    /// An EBS error as the wire shows it.
    struct Entry: Equatable {
        var type: String
        var reason: String?
        var status: HTTPResponse.Status
    }

    static func entry(for code: ServiceError.Code) -> Entry {
        switch code {
        case .invalidParameterValue, .missingParameter, .invalidParameterCombination, .invalidVolumeId,
            .invalidInstanceId, .invalidNextToken, .invalidFilter, .invalidUserId, .incorrectState, .volumeInUse, .volumeZoneMismatch,
            .incorrectInstanceState, .invalidId, .volumeModificationRateExceeded:
            return Entry(type: "ValidationException", reason: "INVALID_PARAMETER_VALUE", status: .badRequest)
        case .invalidSnapshotId, .incorrectSnapshotState:
            return Entry(type: "ValidationException", reason: "INVALID_SNAPSHOT_ID", status: .badRequest)
        case .invalidVolumeSize:
            return Entry(type: "ValidationException", reason: "INVALID_VOLUME_SIZE", status: .badRequest)
        case .invalidTag:
            return Entry(type: "ValidationException", reason: "INVALID_TAG", status: .badRequest)
        case .invalidBlock:
            return Entry(type: "ValidationException", reason: "INVALID_BLOCK", status: .badRequest)
        case .invalidBlockToken:
            return Entry(type: "ValidationException", reason: "INVALID_BLOCK_TOKEN", status: .badRequest)
        case .invalidPageToken:
            return Entry(type: "ValidationException", reason: "INVALID_PAGE_TOKEN", status: .badRequest)
        case .unrelatedSnapshots:
            return Entry(type: "ValidationException", reason: "UNRELATED_SNAPSHOTS", status: .badRequest)
        case .invalidCustomerKey:
            return Entry(type: "ValidationException", reason: "INVALID_CUSTOMER_KEY", status: .badRequest)
        case .snapshotNotFound:
            return Entry(type: "ResourceNotFoundException", reason: "SNAPSHOT_NOT_FOUND", status: .notFound)
        case .idempotencyConflict:
            return Entry(type: "ConflictException", reason: nil, status: .conflict)
        case .volumeNotFound, .instanceNotFound:
            return Entry(type: "ResourceNotFoundException", reason: "DEPENDENCY_RESOURCE_NOT_FOUND", status: .notFound)
        case .dryRunOperation:
            return Entry(type: "ValidationException", reason: "INVALID_PARAMETER_VALUE", status: .preconditionFailed)
        case .accessDenied, .unauthorizedOperation:
            return Entry(type: "AccessDeniedException", reason: "UNAUTHORIZED_ACCOUNT", status: .forbidden)
        case .internalError:
            return Entry(type: "InternalServerException", reason: nil, status: .internalServerError)
        }
    }

    static func entry(for failure: AuthFailure) -> (Entry, message: String) {
        let forbidden = HTTPResponse.Status.forbidden
        switch failure {
        case .missingAuthentication:
            return (Entry(type: "MissingAuthenticationTokenException", status: forbidden), "Missing Authentication Token")
        case .incompleteSignature(let message):
            return (Entry(type: "IncompleteSignatureException", status: forbidden), message)
        case .unrecognizedClient:
            return (
                Entry(type: "UnrecognizedClientException", status: forbidden),
                "The security token included in the request is invalid."
            )
        case .invalidSignature(let message), .signatureExpired(let message):
            return (Entry(type: "InvalidSignatureException", status: forbidden), message)
        }
    }
}

extension EBSErrorTable.Entry {
    init(type: String, status: HTTPResponse.Status) {
        self.init(type: type, reason: nil, status: status)
    }
}

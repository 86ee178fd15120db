import BlockSnapCore
import HTTPTypes

/// The one table that maps service error codes and authentication failures to EC2 Query
/// error codes and HTTP statuses.
enum EC2ErrorTable {
    static func entry(for code: ServiceError.Code) -> (code: String, status: HTTPResponse.Status) {
        switch code {
        case .invalidParameterValue, .invalidVolumeSize, .invalidTag, .invalidBlock, .invalidBlockToken,
            .invalidPageToken, .unrelatedSnapshots, .invalidCustomerKey, .invalidFilter:
            return ("InvalidParameterValue", .badRequest)
        case .missingParameter: return ("MissingParameter", .badRequest)
        case .invalidParameterCombination: return ("InvalidParameterCombination", .badRequest)
        case .invalidSnapshotId: return ("InvalidSnapshotID.Malformed", .badRequest)
        case .snapshotNotFound: return ("InvalidSnapshot.NotFound", .badRequest)
        case .invalidVolumeId: return ("InvalidVolumeID.Malformed", .badRequest)
        case .volumeNotFound: return ("InvalidVolume.NotFound", .badRequest)
        case .invalidInstanceId: return ("InvalidInstanceID.Malformed", .badRequest)
        case .instanceNotFound: return ("InvalidInstanceID.NotFound", .badRequest)
        case .volumeInUse: return ("VolumeInUse", .badRequest)
        case .volumeZoneMismatch: return ("InvalidVolume.ZoneMismatch", .badRequest)
        case .incorrectState, .incorrectSnapshotState: return ("IncorrectState", .badRequest)
        case .incorrectInstanceState: return ("IncorrectInstanceState", .badRequest)
        case .invalidId: return ("InvalidID", .badRequest)
        case .volumeModificationRateExceeded: return ("VolumeModificationRateExceeded", .badRequest)
        case .invalidNextToken: return ("InvalidNextToken", .badRequest)
        case .invalidUserId: return ("InvalidUserID.Malformed", .badRequest)
        case .idempotencyConflict: return ("IdempotentParameterMismatch", .badRequest)
        case .dryRunOperation: return ("DryRunOperation", .preconditionFailed)
        case .accessDenied, .unauthorizedOperation: return ("UnauthorizedOperation", .forbidden)
        case .internalError: return ("InternalError", .internalServerError)
        }
    }

    static func entry(for failure: AuthFailure) -> (code: String, message: String, status: HTTPResponse.Status) {
        switch failure {
        case .missingAuthentication:
            return ("MissingAuthenticationToken", "Request is missing Authentication Token", .unauthorized)
        case .incompleteSignature(let message):
            return ("IncompleteSignature", message, .unauthorized)
        case .unrecognizedClient:
            return ("AuthFailure", "AWS was not able to validate the provided access credentials", .unauthorized)
        case .invalidSignature(let message):
            return ("SignatureDoesNotMatch", message, .forbidden)
        case .signatureExpired(let message):
            return ("RequestExpired", message, .badRequest)
        }
    }
}

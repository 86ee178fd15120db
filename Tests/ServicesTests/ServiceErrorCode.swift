import BlockSnapCore

/// The `ServiceError` code a body throws (`internalError` for any other error), nil if it
/// returns.
func serviceErrorCode(_ body: () async throws -> Void) async -> ServiceError.Code? {
    do {
        try await body()
        return nil
    } catch let error as ServiceError {
        return error.code
    } catch {
        return .internalError
    }
}

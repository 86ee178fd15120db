import BlockSnapCore
import HTTPTypes
import Testing

@testable import APIServer

/// The EC2 error table: EC2's own codes, each a 4xx except `InternalError`.
@Suite struct EC2ErrorTableTests {
    @Test(arguments: [
        (ServiceError.Code.incorrectInstanceState, "IncorrectInstanceState"),
        (.invalidId, "InvalidID"),
        (.volumeModificationRateExceeded, "VolumeModificationRateExceeded"),
        (.incorrectState, "IncorrectState"),
        (.idempotencyConflict, "IdempotentParameterMismatch"),
    ])
    func codesAreEC2s(code: ServiceError.Code, name: String) {
        let entry = EC2ErrorTable.entry(for: code)
        #expect(entry.code == name)
        #expect(entry.status == .badRequest)
    }

    @Test func everyServiceErrorMapsToAClientErrorExceptInternal() {
        for code in ServiceError.Code.allCases {
            let entry = EC2ErrorTable.entry(for: code)
            #expect(code == .internalError ? entry.status == .internalServerError : (400..<500).contains(entry.status.code))
        }
    }
}

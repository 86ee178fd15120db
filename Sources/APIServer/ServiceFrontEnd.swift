import BlockSnapCore
import Hummingbird

/// One AWS service's wire protocol on the shared port. The responder picks a front end by the
/// service name in the SigV4 credential scope; everything protocol-specific lives behind this.
public protocol ServiceFrontEnd: Sendable {
    /// The signing name, e.g. `ebs`.
    var signingName: String { get }
    /// Largest body this service accepts for the request head given.
    func maxBodyBytes(method: String, path: String) -> Int
    /// Handles an authenticated request. Never throws: failures become protocol errors.
    func handle(_ request: AWSRequest) async -> Response
    /// The protocol's rendering of an authentication failure.
    func authFailureResponse(_ failure: AuthFailure, requestId: String) -> Response
    /// The protocol's rendering of a body that is too large or cannot be read.
    func bodyFailureResponse(message: String, requestId: String) -> Response
}

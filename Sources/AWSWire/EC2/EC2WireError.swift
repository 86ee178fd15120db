/// A client's mistake in an EC2 Query request, with the EC2 error code and message AWS gives
/// for it. Every error the codec raises is an HTTP 400 except `InternalError` (500).
///
/// The front end renders it with `EC2ErrorXML`; its error table may add codes of its own
/// (`InvalidVolume.NotFound`, `DryRunOperation`, …) through `init(code:message:)`.
public struct EC2WireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The EC2 error code (`MissingParameter`).
    public let code: String
    /// The human-readable message.
    public let message: String

    /// An error with any EC2 code.
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}

extension EC2WireError {
    /// The EC2 error codes the codec itself raises.
    public enum Code {
        /// A parameter the action's model does not have.
        public static let unknownParameter = "UnknownParameter"
        /// A value of the wrong type, outside the model's bounds or not among its enum values.
        public static let invalidParameterValue = "InvalidParameterValue"
        /// A parameter the model requires is absent.
        public static let missingParameter = "MissingParameter"
        /// The `Action` is not an operation of the schema.
        public static let invalidAction = "InvalidAction"
        /// The request has no `Action`.
        public static let missingAction = "MissingAction"
        /// The query string or form body is not valid percent-encoded UTF-8.
        public static let malformedQueryString = "MalformedQueryString"
        /// The server's own schema is inconsistent (HTTP 500).
        public static let internalError = "InternalError"
    }

    /// `UnknownParameter`: "The parameter X is not recognized".
    public static func unknownParameter(_ name: String) -> EC2WireError {
        EC2WireError(code: Code.unknownParameter, message: "The parameter \(name) is not recognized")
    }

    /// `InvalidParameterValue`: "Value (x) for parameter Y is invalid. <reason>".
    public static func invalidParameterValue(_ value: String, parameter: String, reason: String) -> EC2WireError {
        EC2WireError(
            code: Code.invalidParameterValue,
            message: "Value (\(value)) for parameter \(parameter) is invalid. \(reason)"
        )
    }

    /// `MissingParameter`: "The request must contain the parameter X".
    public static func missingParameter(_ name: String) -> EC2WireError {
        EC2WireError(code: Code.missingParameter, message: "The request must contain the parameter \(name)")
    }

    /// `InvalidAction`: "The action X is not valid for this web service."
    public static func invalidAction(_ action: String) -> EC2WireError {
        EC2WireError(code: Code.invalidAction, message: "The action \(action) is not valid for this web service.")
    }

    /// `MissingAction`: the request names no action.
    public static var missingAction: EC2WireError {
        EC2WireError(code: Code.missingAction, message: "The request must contain the parameter Action")
    }

    /// `MalformedQueryString`: an escape that is not `%XX` or bytes that are not UTF-8.
    public static var malformedQueryString: EC2WireError {
        EC2WireError(
            code: Code.malformedQueryString,
            message: "The query string or form body is not valid percent-encoded UTF-8."
        )
    }

    /// `InternalError` (500): the schema references a shape it does not define.
    static func internalError() -> EC2WireError {
        EC2WireError(code: Code.internalError, message: "An internal error has occurred.")
    }
}

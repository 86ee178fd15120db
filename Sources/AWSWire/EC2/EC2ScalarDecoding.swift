import Foundation

/// Turns one parameter's text into a scalar `EC2Value` of its shape, checking the model's
/// type, bounds and enum values, with EC2's `InvalidParameterValue` otherwise.
enum EC2ScalarDecoding {
    /// Enum values are listed in the error message up to this many; beyond, only counted.
    static let listedEnumValues = 20

    static func decode(_ text: String, shape: EC2Shape, parameter: String) throws(EC2WireError) -> EC2Value {
        func invalid(_ reason: String) -> EC2WireError {
            .invalidParameterValue(text, parameter: parameter, reason: reason)
        }
        switch shape {
        case .string(let min, let max):
            let length = text.count
            if let min, length < min { throw invalid("It must be at least \(min) characters long.") }
            if let max, length > max { throw invalid("It must be at most \(max) characters long.") }
            return .string(text)
        case .enumeration(let values):
            guard values.contains(text) else { throw invalid(enumReason(values)) }
            return .string(text)
        case .integer(let min, let max):
            guard let number = Int32(text) else { throw invalid("Expected an integer.") }
            try checkBounds(Int(number), min: min, max: max, invalid: invalid)
            return .integer(Int(number))
        case .long(let min, let max):
            guard let number = Int64(text) else { throw invalid("Expected an integer.") }
            try checkBounds(Int(number), min: min, max: max, invalid: invalid)
            return .integer(Int(number))
        case .double(let min, let max):
            guard let number = Double(text), number.isFinite else { throw invalid("Expected a number.") }
            if let min, number < min { throw invalid("It must be at least \(min).") }
            if let max, number > max { throw invalid("It must be at most \(max).") }
            return .double(number)
        case .boolean:
            switch text.lowercased() {
            case "true": return .boolean(true)
            case "false": return .boolean(false)
            default: throw invalid("Expected 'true' or 'false'.")
            }
        case .timestamp:
            guard let date = EC2Timestamp.parse(text) else {
                throw invalid("Expected an ISO 8601 timestamp such as 2026-11-25T14:37:25.000Z.")
            }
            return .timestamp(date)
        case .blob:
            guard let data = Data(base64Encoded: text) else { throw invalid("Expected base64-encoded data.") }
            return .blob(data)
        case .structure, .list:
            throw .unknownParameter(parameter)
        }
    }

    private static func checkBounds(
        _ number: Int,
        min: Int?,
        max: Int?,
        invalid: (String) -> EC2WireError
    ) throws(EC2WireError) {
        if let min, number < min { throw invalid("It must be at least \(min).") }
        if let max, number > max { throw invalid("It must be at most \(max).") }
    }

    private static func enumReason(_ values: [String]) -> String {
        if values.count <= listedEnumValues {
            return "Valid values are: " + values.joined(separator: ", ") + "."
        }
        return "It is not one of the \(values.count) values this parameter accepts."
    }
}

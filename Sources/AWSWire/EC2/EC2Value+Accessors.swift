import Foundation

/// Typed member accessors for handlers, throwing EC2 errors.
///
/// A tree from `EC2QueryDecoder` already has the model's types, so the type checks here only
/// fail for hand-built trees; what they add is `MissingParameter` for members a handler needs
/// although the model leaves them optional, and defaults for absent lists. Messages name the
/// member by its model name, which for top-level scalars is also its wire name (`VolumeId`).
///
/// ```swift
/// let volumeId = try input.requiredString("VolumeId")
/// let dryRun = try input.bool("DryRun") ?? false
/// for filter in try input.list("Filters") { let values = try filter.strings("Values") }
/// ```
extension EC2Value {
    /// The member as a string; nil if absent.
    public func string(_ member: String) throws(EC2WireError) -> String? {
        try typed(member, "a string") { $0.string }
    }

    /// The member as a string; `MissingParameter` if absent.
    public func requiredString(_ member: String) throws(EC2WireError) -> String {
        guard let value = try string(member) else { throw .missingParameter(member) }
        return value
    }

    /// The member as an integer; nil if absent.
    public func int(_ member: String) throws(EC2WireError) -> Int? {
        try typed(member, "an integer") { $0.int }
    }

    /// The member as an integer; `MissingParameter` if absent.
    public func requiredInt(_ member: String) throws(EC2WireError) -> Int {
        guard let value = try int(member) else { throw .missingParameter(member) }
        return value
    }

    /// The member as a boolean; nil if absent.
    public func bool(_ member: String) throws(EC2WireError) -> Bool? {
        try typed(member, "'true' or 'false'") { $0.bool }
    }

    /// The member as an instant; nil if absent.
    public func date(_ member: String) throws(EC2WireError) -> Date? {
        try typed(member, "a timestamp") { $0.date }
    }

    /// The member as a structure; nil if absent.
    public func structure(_ member: String) throws(EC2WireError) -> EC2Value? {
        try typed(member, "a structure") { $0.structure.map(EC2Value.structure) }
    }

    /// The member as a structure; `MissingParameter` if absent.
    public func requiredStructure(_ member: String) throws(EC2WireError) -> EC2Value {
        guard let value = try structure(member) else { throw .missingParameter(member) }
        return value
    }

    /// The member's elements; empty if absent.
    public func list(_ member: String) throws(EC2WireError) -> [EC2Value] {
        try typed(member, "a list") { $0.list } ?? []
    }

    /// The member's elements as strings; empty if absent.
    public func strings(_ member: String) throws(EC2WireError) -> [String] {
        var result: [String] = []
        for (index, element) in try list(member).enumerated() {
            guard let text = element.string else {
                throw .invalidParameterValue(
                    element.wireText, parameter: "\(member).\(index + 1)", reason: "Expected a string.")
            }
            result.append(text)
        }
        return result
    }

    /// The member, converted by `get`; nil if absent, `InvalidParameterValue` if of another kind.
    private func typed<T>(
        _ member: String,
        _ expected: String,
        _ get: (EC2Value) -> T?
    ) throws(EC2WireError) -> T? {
        guard let value = self[member] else { return nil }
        guard let typed = get(value) else {
            throw .invalidParameterValue(value.wireText, parameter: member, reason: "Expected \(expected).")
        }
        return typed
    }

    /// The value as it would appear in a parameter, for messages.
    var wireText: String {
        switch self {
        case .string(let text): return text
        case .integer(let number): return String(number)
        case .double(let number): return String(number)
        case .boolean(let flag): return flag ? "true" : "false"
        case .timestamp(let date): return EC2Timestamp.format(date)
        case .blob(let data): return data.base64EncodedString()
        case .list, .structure, .fragment: return kindDescription
        }
    }
}

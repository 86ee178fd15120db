import Foundation

/// A decoded JSON request body with typed, validating accessors. Unknown members are ignored,
/// as AWS services ignore them; a member of the wrong type is a `WireError`.
public struct JSONObject: @unchecked Sendable {
    private let members: [String: Any]

    /// Parses `bytes` as a JSON object; an empty body is an empty object.
    public init(bytes: [UInt8]) throws(WireError) {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) {
            self.members = [:]
            return
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
        } catch {
            throw WireError.malformedBody("The request body is not valid JSON.")
        }
        guard let object = parsed as? [String: Any] else {
            throw WireError.malformedBody("The request body must be a JSON object.")
        }
        self.members = object
    }

    init(members: [String: Any]) {
        self.members = members
    }

    private func value(_ key: String) -> Any? {
        guard let value = members[key], !(value is NSNull) else { return nil }
        return value
    }

    /// A string member.
    public func string(_ key: String) throws(WireError) -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value as? String else { throw WireError.wrongType(key, "a string") }
        return string
    }

    /// An integer member (a JSON number without fraction, within Int64).
    public func integer(_ key: String) throws(WireError) -> Int64? {
        guard let value = value(key) else { return nil }
        guard let number = value as? NSNumber, !Self.isBoolean(number) else { throw WireError.wrongType(key, "an integer") }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 9.2e18 else { throw WireError.wrongType(key, "an integer") }
        return number.int64Value
    }

    /// A boolean member.
    public func boolean(_ key: String) throws(WireError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let number = value as? NSNumber, Self.isBoolean(number) else { throw WireError.wrongType(key, "a boolean") }
        return number.boolValue
    }

    /// A list of objects member.
    public func objects(_ key: String) throws(WireError) -> [JSONObject]? {
        guard let value = value(key) else { return nil }
        guard let list = value as? [Any] else { throw WireError.wrongType(key, "a list") }
        var result: [JSONObject] = []
        for item in list {
            guard let object = item as? [String: Any] else { throw WireError.wrongType(key, "a list of objects") }
            result.append(JSONObject(members: object))
        }
        return result
    }

    private static func isBoolean(_ number: NSNumber) -> Bool {
        #if canImport(Darwin)
            return CFGetTypeID(number) == CFBooleanGetTypeID()
        #else
            return type(of: number) == type(of: NSNumber(value: true))
        #endif
    }
}

/// A request that cannot be decoded from its wire form.
public enum WireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The body is not the syntax the protocol needs.
    case malformedBody(String)
    /// A member has the wrong type.
    case wrongType(String, String)
    /// A header, path or query value is not valid for its type.
    case invalidValue(String, String)
    /// A required member is absent.
    case missing(String)

    public var description: String {
        switch self {
        case .malformedBody(let message): return message
        case .wrongType(let key, let expected): return "\(key) must be \(expected)."
        case .invalidValue(let key, let value): return "The value '\(value.prefix(64))' is not valid for \(key)."
        case .missing(let key): return "\(key) is required."
        }
    }
}

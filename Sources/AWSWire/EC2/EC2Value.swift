import Foundation

/// A typed EC2 request or response tree, keyed by the model's member names
/// (`value["TagSpecifications"]`), never by wire names.
///
/// `EC2QueryDecoder` produces one from a request's parameters; handlers build one for
/// `EC2XMLEncoder`. Literals build trees tersely:
/// `["SnapshotId": "snap-1", "VolumeSize": 8, "Tags": [["Key": "a", "Value": "b"]]]`.
///
/// `indirect` is load-bearing: without it (values stored inline, ~0.3 µs less to build a
/// snapshot's tree) the debug build of the test suite crashed, deterministically, releasing a
/// bad pointer inside a `throws(EC2EncodingError)` render closure (Swift 6, December 2026).
public indirect enum EC2Value: Sendable, Equatable {
    /// A string or enumeration value.
    case string(String)
    /// An integer or long value.
    case integer(Int)
    /// A double or float value.
    case double(Double)
    /// A boolean.
    case boolean(Bool)
    /// An instant.
    case timestamp(Date)
    /// Bytes (base64 on the wire).
    case blob(Data)
    /// A list, in wire order.
    case list([EC2Value])
    /// A structure: present members by model name; absent members have no key.
    case structure([String: EC2Value])
    /// A value already rendered by `EC2XMLEncoder.fragment(of:shape:)`, written as it is.
    case fragment(EC2Fragment)

    /// A structure from optional members; nil members are left out, as absent.
    public static func object(_ members: [String: EC2Value?]) -> EC2Value {
        .structure(members.compactMapValues { $0 })
    }

    /// The member `name` of a structure; nil if absent or if this is not a structure.
    public subscript(member: String) -> EC2Value? {
        if case .structure(let members) = self { return members[member] }
        return nil
    }

    /// The string, if this is a string.
    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, if this is an integer.
    public var int: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The double, if this is a double (or an integer, widened).
    public var double: Double? {
        switch self {
        case .double(let value): return value
        case .integer(let value): return Double(value)
        default: return nil
        }
    }

    /// The boolean, if this is a boolean.
    public var bool: Bool? {
        if case .boolean(let value) = self { return value }
        return nil
    }

    /// The instant, if this is a timestamp.
    public var date: Date? {
        if case .timestamp(let value) = self { return value }
        return nil
    }

    /// The bytes, if this is a blob.
    public var blob: Data? {
        if case .blob(let value) = self { return value }
        return nil
    }

    /// The elements, if this is a list.
    public var list: [EC2Value]? {
        if case .list(let value) = self { return value }
        return nil
    }

    /// The present members, if this is a structure.
    public var structure: [String: EC2Value]? {
        if case .structure(let value) = self { return value }
        return nil
    }

    /// What kind of value this is, for messages (`a string`, `a list`).
    public var kindDescription: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .double: return "a double"
        case .boolean: return "a boolean"
        case .timestamp: return "a timestamp"
        case .blob: return "a blob"
        case .list: return "a list"
        case .structure: return "a structure"
        case .fragment(let fragment): return "a rendered \(fragment.shape)"
        }
    }
}

extension EC2Value: ExpressibleByStringLiteral {
    /// A string value.
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension EC2Value: ExpressibleByIntegerLiteral {
    /// An integer value.
    public init(integerLiteral value: Int) {
        self = .integer(value)
    }
}

extension EC2Value: ExpressibleByFloatLiteral {
    /// A double value.
    public init(floatLiteral value: Double) {
        self = .double(value)
    }
}

extension EC2Value: ExpressibleByBooleanLiteral {
    /// A boolean value.
    public init(booleanLiteral value: Bool) {
        self = .boolean(value)
    }
}

extension EC2Value: ExpressibleByArrayLiteral {
    /// A list value.
    public init(arrayLiteral elements: EC2Value...) {
        self = .list(elements)
    }
}

extension EC2Value: ExpressibleByDictionaryLiteral {
    /// A structure value.
    public init(dictionaryLiteral elements: (String, EC2Value)...) {
        self = .structure(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

import Testing

@testable import AWSWire

/// A request botocore serialized, and the input tree it must decode to.
struct BotocoreRequestFixture: Sendable, CustomTestStringConvertible {
    let name: String
    let action: String
    /// The urlencoded body as botocore sends it (`+` for spaces).
    let body: String
    let input: EC2Value

    var testDescription: String { name }
}

/// An output tree and the golden XML botocore parses back into it.
struct BotocoreResponseFixture: Sendable, CustomTestStringConvertible {
    let name: String
    let action: String
    let requestId: String
    let output: EC2Value?
    let xml: String

    var testDescription: String { name }
}

/// An error and the golden XML botocore parses back into it.
struct BotocoreErrorFixture: Sendable, CustomTestStringConvertible {
    let name: String
    let code: String
    let message: String
    let requestId: String
    let xml: String

    var testDescription: String { name }
}

/// Decodes `query` (a form body or query string) for its action with the EC2 schema.
func decodeEC2(_ query: String) throws(EC2WireError) -> (action: String, input: EC2Value) {
    try EC2QueryDecoder().decode(EC2QueryEnvelope(formEncoded: query))
}

/// The error decoding `query` throws, or nil if it decodes.
func ec2Error(_ query: String) -> EC2WireError? {
    do throws(EC2WireError) {
        _ = try decodeEC2(query)
        return nil
    } catch {
        return error
    }
}

import BlockSnapCore

/// Opaque NextTokens for the EC2 Describe operations: the last id of a page, sealed and bound
/// to the operation, so a forged or foreign token is `InvalidNextToken`.
struct EC2Paging {
    let tokens: TokenSigner

    func token(after id: String, operation: String) -> String {
        tokens.seal(Array(id.utf8), context: "ec2:\(operation)")
    }

    func position(_ token: String?, operation: String) throws -> String? {
        guard let token else { return nil }
        guard let payload = tokens.open(token, context: "ec2:\(operation)") else {
            throw ServiceError(.invalidNextToken, "The token '\(token.prefix(64))' is invalid.")
        }
        return String(decoding: payload, as: UTF8.self)
    }

    /// Validates MaxResults against the operation's range; combining it with explicit ids is refused.
    static func validate(maxResults: Int?, range: ClosedRange<Int>, withIds: Bool, idsName: String) throws {
        guard let maxResults else { return }
        if withIds {
            throw ServiceError(
                .invalidParameterCombination, "The parameter \(idsName) cannot be used with the parameter maxResults")
        }
        guard range.contains(maxResults) else {
            throw ServiceError(
                .invalidParameterValue,
                "Value (\(maxResults)) for parameter maxResults is invalid. Expecting a value between \(range.lowerBound) and \(range.upperBound).")
        }
    }
}

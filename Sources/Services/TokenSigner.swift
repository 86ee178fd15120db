import BlockSnapCore
import Crypto
import Foundation

/// Issues and checks the opaque tokens of the EBS direct APIs (block tokens and page tokens).
/// A token carries its payload and a truncated HMAC-SHA256 over the payload and the context it
/// is bound to (snapshot id, block index, listing); any change to either makes it invalid.
public struct TokenSigner: Sendable {
    private let key: SymmetricKey

    /// Creates a signer with a server secret of at least 32 bytes.
    public init(secret: [UInt8]) {
        self.key = SymmetricKey(data: secret)
    }

    /// base64(payload ‖ mac16) where mac16 = HMAC(key, payload ‖ context)[0..<16].
    public func seal(_ payload: [UInt8], context: String) -> String {
        Base64.encode(payload + mac(payload, context))
    }

    /// The payload of a token sealed with `context`, or nil if forged or bound elsewhere.
    public func open(_ token: String, context: String) -> [UInt8]? {
        // Only the exact text `seal` makes: base64 leaves a few unused bits in its last
        // character, and a token differing there would otherwise decode to the same bytes.
        guard token.utf8.count <= 256, let bytes = Base64.decode(token), bytes.count > 16,
            Base64.encode(bytes) == token
        else { return nil }
        let payload = Array(bytes[..<(bytes.count - 16)])
        let given = bytes[(bytes.count - 16)...]
        let expected = mac(payload, context)
        var difference: UInt8 = 0
        for (x, y) in zip(given, expected) { difference |= x ^ y }
        return difference == 0 ? payload : nil
    }

    private func mac(_ payload: [UInt8], _ context: String) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: payload)
        hmac.update(data: Array(context.utf8))
        return Array(Array(hmac.finalize()).prefix(16))
    }
}

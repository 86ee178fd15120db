import Testing

@testable import Services

/// Page and block tokens: opaque, bound to their context, and accepted only exactly as made.
@Suite struct TokenSignerTests {
    @Test func onlyTheExactTokenOpensInItsOwnContext() throws {
        let signer = TokenSigner(secret: Array(repeating: 7, count: 32))
        let payload = Array("snap-0123456789abcdef0".utf8)
        let token = signer.seal(payload, context: "ec2:DescribeSnapshots")
        #expect(signer.open(token, context: "ec2:DescribeSnapshots") == payload)
        #expect(signer.open(token, context: "ec2:DescribeVolumes") == nil)
        #expect(TokenSigner(secret: Array(repeating: 8, count: 32)).open(token, context: "ec2:DescribeSnapshots") == nil)

        // 38 bytes end in "XYZ=": the last character before "=" carries two unused bits. Every
        // other character there decodes differently or not at all, and none opens.
        #expect(token.hasSuffix("="))
        let chars = Array(token)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        for replacement in alphabet where replacement != chars[chars.count - 2] {
            var forged = chars
            forged[chars.count - 2] = replacement
            #expect(signer.open(String(forged), context: "ec2:DescribeSnapshots") == nil, "\(replacement)")
        }
    }
}

import BlockSnapCore
import Services
import Testing

@Suite struct TokenSignerTests {
    let signer = TokenSigner(secret: Array(repeating: 7, count: 32))

    @Test func sealedTokenOpensOnlyInItsContext() {
        let token = signer.seal([1, 2, 3], context: "block:snap-1:5")
        #expect(signer.open(token, context: "block:snap-1:5") == [1, 2, 3])
        #expect(signer.open(token, context: "block:snap-1:6") == nil)
        #expect(signer.open(token, context: "block:snap-2:5") == nil)
    }

    @Test func anyChangedCharacterIsRefused() {
        let token = signer.seal(Array(0..<40), context: "c")
        for position in token.indices where token[position] != "=" {
            var changed = token
            changed.replaceSubrange(position...position, with: token[position] == "A" ? "B" : "A")
            #expect(signer.open(changed, context: "c") == nil)
        }
    }

    @Test func anotherServersSecretIsRefused() {
        let other = TokenSigner(secret: Array(repeating: 8, count: 32))
        #expect(other.open(signer.seal([9], context: "c"), context: "c") == nil)
        #expect(signer.open("not base64!", context: "c") == nil)
        #expect(signer.open("", context: "c") == nil)
    }
}

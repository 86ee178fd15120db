import Testing

@testable import AWSWire

@Suite struct QueryStringTests {
    @Test func decodesPairsAndEscapes() {
        let pairs = QueryString.decode("a=1&b=x%2By&c&d=%E2%9C%93&e=a+b")
        #expect(pairs?.map(\.name) == ["a", "b", "c", "d", "e"])
        #expect(pairs?.map(\.value) == ["1", "x+y", "", "✓", "a+b"])
    }

    @Test func malformedEscapesAreRefused() {
        #expect(QueryString.decode("a=%zz") == nil)
        #expect(QueryString.decode("a=%4") == nil)
        #expect(QueryString.decode("a=%ff") == nil)
    }
}

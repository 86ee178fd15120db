import NIOCore
import Testing

@testable import NBDServer

/// The request parser against proto.md's "Request message" layout, fed one byte at a time.
@Suite struct RequestParserTests {
    /// A comparable summary of a parse result.
    enum Parsed: Equatable {
        case needMoreData
        case request(flags: UInt16, command: UInt16, cookie: UInt64, offset: UInt64, length: UInt32, payload: [UInt8])
        case payloadTooLarge(cookie: UInt64, length: UInt32)
    }

    static func summarize(_ result: NBDRequestParser.ParseResult) -> Parsed {
        switch result {
        case .needMoreData: .needMoreData
        case .request(let r):
            .request(
                flags: r.flags, command: r.command.rawValue, cookie: r.cookie, offset: r.offset, length: r.length,
                payload: r.payload)
        case .payloadTooLarge(let r): .payloadTooLarge(cookie: r.cookie, length: r.length)
        }
    }

    @Test func readHeaderGoldenBytes() throws {
        var parser = NBDRequestParser()
        let golden: [UInt8] = [
            0x25, 0x60, 0x95, 0x13, 0x00, 0x04, 0x00, 0x00,  // magic, flags DF, type READ
            0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // cookie
            0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00,  // offset 1 MiB
            0x00, 0x00, 0x10, 0x00,  // length 4096
        ]
        #expect(requestBytes(0, flags: 4, cookie: 0x0102_0304_0506_0708, offset: 1 << 20, length: 4096).array == golden)
        let results = try dripFeed(golden, needMoreData: .needMoreData) { Self.summarize(try parser.parse(&$0)) }
        #expect(results.map(\.fed) == [28])
        #expect(
            results.first?.result
                == .request(
                    flags: 4, command: 0, cookie: 0x0102_0304_0506_0708, offset: 1 << 20, length: 4096, payload: []))
    }

    @Test func writeWaitsForItsWholePayload() throws {
        var parser = NBDRequestParser()
        let stream = requestBytes(1, flags: 1, cookie: 9, offset: 512, length: 5, payload: [1, 2, 3, 4, 5])
            .raw(requestBytes(3, cookie: 10).array)
        let results = try dripFeed(stream.array, needMoreData: .needMoreData) { Self.summarize(try parser.parse(&$0)) }
        #expect(results.map(\.fed) == [33, 61])
        #expect(
            results.map(\.result) == [
                .request(flags: 1, command: 1, cookie: 9, offset: 512, length: 5, payload: [1, 2, 3, 4, 5]),
                .request(flags: 0, command: 3, cookie: 10, offset: 0, length: 0, payload: []),
            ])
    }

    @Test func unknownCommandsParseWithoutPayload() throws {
        var parser = NBDRequestParser()
        var buffer = requestBytes(99, cookie: 1, length: 4096).raw(requestBytes(2, cookie: 2).array).buffer
        #expect(
            Self.summarize(try parser.parse(&buffer))
                == .request(flags: 0, command: 99, cookie: 1, offset: 0, length: 4096, payload: []))
        #expect(
            Self.summarize(try parser.parse(&buffer))
                == .request(flags: 0, command: 2, cookie: 2, offset: 0, length: 0, payload: []))
    }

    @Test func oversizedWriteIsReportedBeforeItsPayload() throws {
        var parser = NBDRequestParser(maxPayload: 1024)
        var buffer = requestBytes(1, cookie: 7, length: 1025).buffer
        #expect(Self.summarize(try parser.parse(&buffer)) == .payloadTooLarge(cookie: 7, length: 1025))
        #expect(buffer.readableBytes == 28)
        var exact = requestBytes(1, cookie: 8, length: 1024, payload: [UInt8](repeating: 7, count: 1024)).buffer
        guard case .request(let request) = try parser.parse(&exact) else {
            Issue.record("a payload of exactly the maximum is accepted")
            return
        }
        #expect(request.payload.count == 1024)
    }

    @Test func wrongMagicIsAProtocolError() {
        var parser = NBDRequestParser()
        var buffer = Bytes().int(UInt32(0x1256_0953)).raw([UInt8](repeating: 0, count: 24)).buffer
        let error = #expect(throws: NBDProtocolError.self) { try parser.parse(&buffer) }
        #expect(error?.code == .badMagic)
    }

    @Test func requestRangeSaturates() {
        let request = NBDRequest(
            flags: 0, command: .read, cookie: 0, offset: .max - 1, length: 10, payload: [])
        #expect(request.range == (UInt64.max - 1)..<UInt64.max)
    }
}

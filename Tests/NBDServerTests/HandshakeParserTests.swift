import NIOCore
import Testing

@testable import NBDServer

/// The handshake parser against proto.md's byte layouts, fed one byte at a time.
@Suite struct HandshakeParserTests {
    @Test func clientFlagsArriveAfterFourBytes() throws {
        var parser = NBDHandshakeParser()
        let results = try dripFeed([0, 0, 0, 3], needMoreData: .needMoreData) { try parser.parse(&$0) }
        #expect(results.map(\.fed) == [4])
        guard case .clientFlags(let flags) = results.first?.result else {
            Issue.record("no client flags")
            return
        }
        #expect(flags.fixedNewstyle && flags.noZeroes)
        #expect(parser.state == .options)
    }

    @Test func unknownClientFlagsAreAProtocolError() {
        var parser = NBDHandshakeParser()
        var buffer = Bytes().int(UInt32(1 << 2 | 1)).buffer
        let error = #expect(throws: NBDProtocolError.self) { try parser.parse(&buffer) }
        #expect(error?.code == .unknownClientFlags)
    }

    @Test func goOptionIsDecodedOnlyWhenItsLastByteArrives() throws {
        var parser = NBDHandshakeParser()
        let stream = Bytes().int(UInt32(1))
            .raw(optionBytes(7, exportQueryBytes("vol-0123", [3, 1])).array)
        // Golden layout: IHAVEOPT, option 7, length 4+8+2+4 = 18, name, 2 requests.
        #expect(
            Array(stream.array[4...]) == [
                0x49, 0x48, 0x41, 0x56, 0x45, 0x4F, 0x50, 0x54, 0, 0, 0, 7, 0, 0, 0, 18,
                0, 0, 0, 8, 0x76, 0x6F, 0x6C, 0x2D, 0x30, 0x31, 0x32, 0x33, 0, 2, 0, 3, 0, 1,
            ])
        let results = try dripFeed(stream.array, needMoreData: .needMoreData) { try parser.parse(&$0) }
        #expect(results.map(\.fed) == [4, stream.array.count])
        #expect(
            results.last?.result == .option(.go(NBDExportQuery(name: "vol-0123", informationRequests: [3, 1]))))
    }

    @Test func twoOptionsInOneReadAreReturnedInOrder() throws {
        var parser = NBDHandshakeParser()
        var buffer = Bytes().int(UInt32(1)).raw(optionBytes(8).array)
            .raw(optionBytes(6, exportQueryBytes("vol-1")).array).buffer
        #expect(try parser.parse(&buffer) == .clientFlags(NBDClientFlags(rawValue: 1)))
        #expect(try parser.parse(&buffer) == .option(.structuredReply))
        #expect(try parser.parse(&buffer) == .option(.info(NBDExportQuery(name: "vol-1", informationRequests: []))))
        #expect(try parser.parse(&buffer) == .needMoreData)
        #expect(buffer.readableBytes == 0)
    }

    @Test func wrongOptionMagicIsAProtocolError() throws {
        var parser = NBDHandshakeParser()
        var buffer = Bytes().int(UInt32(1)).text("GET / HTTP/1.1\r\n\r\n").buffer
        _ = try parser.parse(&buffer)
        let error = #expect(throws: NBDProtocolError.self) { try parser.parse(&buffer) }
        #expect(error?.code == .badMagic)
    }

    @Test func optionLongerThanTheLimitFailsBeforeItsDataArrives() throws {
        var parser = NBDHandshakeParser(maxOptionLength: 1024)
        var buffer = Bytes().int(UInt32(1)).int(NBDMagic.iHaveOption).int(UInt32(7)).int(UInt32(1025)).buffer
        _ = try parser.parse(&buffer)
        let error = #expect(throws: NBDProtocolError.self) { try parser.parse(&buffer) }
        #expect(error?.code == .optionTooLong)
    }

    @Test func optionDataIsDecodedPerOption() {
        func decode(_ code: UInt32, _ data: Bytes = Bytes()) -> NBDOptionRequest {
            NBDOptionRequest(code: code, data: data.buffer)
        }
        #expect(decode(1, Bytes().text("vol-9")) == .exportName("vol-9"))
        #expect(decode(2, Bytes().text("ignored")) == .abort)
        #expect(decode(3) == .list)
        #expect(decode(5) == .startTLS)
        #expect(decode(8) == .structuredReply)
        #expect(decode(42) == .unsupported(42))
        #expect(decode(11) == .unsupported(11))
        #expect(
            decode(9, metaContextBytes("vol-1", ["base:"]))
                == .listMetaContext(NBDMetaContextQuery(exportName: "vol-1", queries: ["base:"])))
        #expect(
            decode(10, metaContextBytes("vol-1", ["base:allocation", "qemu:dirty-bitmap:x"]))
                == .setMetaContext(
                    NBDMetaContextQuery(exportName: "vol-1", queries: ["base:allocation", "qemu:dirty-bitmap:x"])))
    }

    @Test func malformedOptionDataIsInvalidNotFatal() {
        func isInvalid(_ code: UInt32, _ data: Bytes) -> Bool {
            if case .invalid(code, _) = NBDOptionRequest(code: code, data: data.buffer) { return true }
            return false
        }
        #expect(isInvalid(3, Bytes().int(UInt8(0))))  // LIST with data
        #expect(isInvalid(5, Bytes().int(UInt8(0))))  // STARTTLS with data
        #expect(isInvalid(8, Bytes().int(UInt8(0))))  // STRUCTURED_REPLY with data
        #expect(isInvalid(7, Bytes().int(UInt32(100)).text("vol").int(UInt16(0))))  // name past the end
        #expect(isInvalid(7, Bytes().string("vol-1").int(UInt16(2)).int(UInt16(0))))  // one request short
        #expect(isInvalid(7, Bytes().string("vol-1")))  // no request count
        #expect(isInvalid(6, Bytes().int(UInt32(2)).raw([0xC3, 0x28]).int(UInt16(0))))  // not UTF-8
        #expect(isInvalid(6, Bytes().int(UInt32(2)).raw([0x61, 0]).int(UInt16(0))))  // NUL in name
        #expect(isInvalid(10, Bytes().string("vol-1").int(UInt32(3)).string("base:allocation")))  // 3 queries, 1 sent
        #expect(isInvalid(9, metaContextBytes("vol-1", ["base:"]).int(UInt8(1))))  // trailing byte
        let long = String(repeating: "a", count: 4097)
        #expect(isInvalid(7, exportQueryBytes(long)))
    }
}

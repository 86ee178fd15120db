import NIOCore
import Testing

@testable import NBDServer

/// Many requests in flight on one connection: replies may come in any order, conflicting
/// requests keep the order they were received in.
@Suite(.timeLimit(.minutes(2))) struct ConcurrencyTests {
    static let volume = TestExport.id(1)

    @Test func pipelinedOverlappingWritesLandInOrderAndReadsSeeThem() async throws {
        try await withNBDServer([TestExport(volumeId: Self.volume)]) { server in
            try await RawClient.with(port: server.port) { client in
                try await client.open(Self.volume)
                for round in 0..<20 {
                    let base = UInt64(round) * 300_000
                    var stream = Bytes()
                    var cookie: UInt64 = 0
                    // Ten overlapping writes of growing ranges, each a distinct byte, then a read.
                    for step in 0..<10 {
                        let length = 1000 + step * 700
                        stream = stream.raw(
                            requestBytes(
                                1, cookie: cookie, offset: base + UInt64(step) * 100, length: UInt32(length),
                                payload: [UInt8](repeating: UInt8(step + 1), count: length)
                            ).array)
                        cookie += 1
                    }
                    stream = stream.raw(requestBytes(0, cookie: 100, offset: base, length: 8000).array)
                    try await client.send(stream)
                    var expected = [UInt8](repeating: 0, count: 8000)
                    for step in 0..<10 {
                        let start = step * 100
                        let end = min(8000, start + 1000 + step * 700)
                        expected.replaceSubrange(start..<end, with: repeatElement(UInt8(step + 1), count: end - start))
                    }
                    var seen: Set<UInt64> = []
                    for _ in 0..<11 {
                        let reply = try await client.readSimpleReply(dataLength: 0)
                        #expect(reply.error == 0)
                        seen.insert(reply.cookie)
                        if reply.cookie == 100 {
                            #expect(try await client.read(8000) == expected, "round \(round)")
                        }
                    }
                    #expect(seen == Set((0..<10).map(UInt64.init) + [100]))
                }
            }
        }
    }

    /// Small writes and reads of local blocks run on the connection's reader; mixed with writes
    /// too large for that, FUA writes and flushes (which run as tasks), every read still sees
    /// exactly the writes received before it.
    @Test func pipelinedSmallRequestsOnLocalBlocksSeeEveryEarlierWrite() async throws {
        try await withNBDServer([TestExport(volumeId: Self.volume)]) { server in
            try await RawClient.with(port: server.port) { client in
                try await client.open(Self.volume)
                let span = 4 << 19  // four blocks, made local first
                var model = [UInt8](repeating: 7, count: span)
                try await client.request(.write, cookie: 1, offset: 0, length: UInt32(span), payload: model)
                #expect(try await client.readSimpleReply().error == 0)

                var state: UInt64 = 0x9E37_79B9_7F4A_7C15
                func next(_ bound: Int) -> Int {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    return Int((state >> 33) % UInt64(bound))
                }
                var stream = Bytes()
                var reads: [UInt64: [UInt8]] = [:]
                for cookie in UInt64(10)..<210 {
                    let kind = next(20)
                    let offset = next(span / 4096) * 4096 + (kind == 0 ? 0 : next(3) * 1000)
                    switch kind {
                    case 0..<9, 17:  // a small write (FUA now and then), within one page or across two
                        let length = min(4096, span - offset)
                        let payload = [UInt8](repeating: UInt8(truncatingIfNeeded: cookie), count: length)
                        model.replaceSubrange(offset..<offset + length, with: payload)
                        stream = stream.raw(
                            requestBytes(
                                1, flags: kind == 17 ? NBDCommandFlags.fua : 0, cookie: cookie,
                                offset: UInt64(offset), length: UInt32(length), payload: payload
                            ).array)
                    case 9..<16:  // a small read
                        let length = min(4096, span - offset)
                        reads[cookie] = Array(model[offset..<offset + length])
                        stream = stream.raw(
                            requestBytes(0, cookie: cookie, offset: UInt64(offset), length: UInt32(length)).array)
                    case 16:  // a write too large for the reader
                        let length = min(100_000, span - offset)
                        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &+ Int(cookie)) }
                        model.replaceSubrange(offset..<offset + length, with: payload)
                        stream = stream.raw(
                            requestBytes(
                                1, cookie: cookie, offset: UInt64(offset), length: UInt32(length), payload: payload
                            ).array)
                    default:
                        stream = stream.raw(requestBytes(3, cookie: cookie).array)
                    }
                }
                try await client.send(stream)
                var answered: Set<UInt64> = []
                for _ in 0..<200 {
                    let header = try #require(try await client.read(16))
                    var buffer = ByteBuffer(bytes: header)
                    #expect(buffer.readInteger(as: UInt32.self) == NBDMagic.simpleReply)
                    #expect(buffer.readInteger(as: UInt32.self) == 0)
                    let cookie = buffer.readInteger(as: UInt64.self) ?? 0
                    answered.insert(cookie)
                    if let expected = reads[cookie] {
                        let data = try await client.read(expected.count)
                        #expect(data == expected, "read \(cookie) differs")
                    }
                }
                #expect(answered == Set(10..<210))
                let stored = try await server.volumes.read(volumeId: Self.volume, offset: 0, length: span)
                let difference = zip(stored, model).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                #expect(difference == nil, "the volume differs from the model at byte \(difference ?? -1)")
            }
        }
    }

    @Test func manyConnectionsWriteDisjointRangesConcurrently() async throws {
        try await withNBDServer([TestExport(volumeId: Self.volume)]) { server in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for connection in 0..<4 {
                    group.addTask {
                        try await RawClient.with(port: server.port) { client in
                            try await client.open(Self.volume, structured: true)
                            var stream = Bytes()
                            for i in 0..<32 {
                                let offset = UInt64(connection * 32 + i) * 65536
                                stream = stream.raw(
                                    requestBytes(
                                        1, flags: i == 31 ? NBDCommandFlags.fua : 0, cookie: UInt64(i),
                                        offset: offset, length: 65536,
                                        payload: [UInt8](repeating: UInt8(connection * 32 + i), count: 65536)
                                    ).array)
                            }
                            try await client.send(stream.raw(requestBytes(3, cookie: 500).array))
                            var cookies: Set<UInt64> = []
                            for _ in 0..<33 {
                                let header = try await client.read(16)!
                                #expect(Array(header[4..<8]) == [0, 0, 0, 0])
                                cookies.insert(ByteBuffer(bytes: header[8..<16]).getInteger(at: 0, as: UInt64.self)!)
                            }
                            #expect(cookies.count == 33)
                        }
                    }
                }
                try await group.waitForAll()
            }
            for block in [0, 37, 127] {
                let read = try await server.volumes.read(
                    volumeId: Self.volume, offset: Int64(block) * 65536, length: 65536)
                #expect(read == [UInt8](repeating: UInt8(block), count: 65536))
            }
        }
    }

    @Test func structuredReadsAndBlockStatus() async throws {
        try await withNBDServer([TestExport(volumeId: Self.volume)]) { server in
            try await RawClient.with(port: server.port) { client in
                try await client.open(Self.volume, structured: true, allocation: true)
                try await client.request(.write, cookie: 1, offset: 600_000, length: 3, payload: [1, 2, 3])
                #expect(try await client.readSimpleReply().error == 0)
                try await client.request(
                    .read, flags: NBDCommandFlags.dontFragment, cookie: 2, offset: 599_999, length: 5)
                let data = try await client.readChunk()
                #expect(data.type == NBDReplyType.offsetData && data.flags == NBDReplyType.flagDone)
                #expect(data.payload == Bytes().int(UInt64(599_999)).raw([0, 1, 2, 3, 0]).array)
                try await client.request(.read, cookie: 3, offset: 0, length: 0)
                #expect(try await client.readChunk().type == NBDReplyType.none)
                try await client.request(.blockStatus, cookie: 4, offset: 100, length: 2 << 20)
                let status = try await client.readChunk()
                #expect(status.type == NBDReplyType.blockStatus && status.cookie == 4)
                // Context 1; hole to the end of block 0, block 1 allocated, hole to the end asked for.
                let block = UInt32(512 << 10)
                #expect(
                    status.payload
                        == Bytes().int(UInt32(1)).int(block - 100).int(UInt32(3)).int(block).int(UInt32(0))
                        .int(UInt32(2 << 20) + 100 - 2 * block).int(UInt32(3)).array)
            }
        }
    }

    @Test func inFlightLimitsHoldBackTheReaderWithoutDeadlock() async throws {
        let tight = NBDService.Configuration(maxRequestsInFlight: 2, maxBytesInFlight: 100_000)
        try await withNBDServer([TestExport(volumeId: Self.volume)], configuration: tight) { server in
            try await RawClient.with(port: server.port) { client in
                try await client.open(Self.volume)
                var stream = Bytes()
                for i in 0..<40 {
                    stream = stream.raw(
                        requestBytes(
                            1, cookie: UInt64(i), offset: UInt64(i) * 70_000, length: 70_000,
                            payload: [UInt8](repeating: UInt8(i), count: 70_000)
                        ).array)
                }
                try await client.send(stream)
                for _ in 0..<40 { #expect(try await client.readSimpleReply().error == 0) }
            }
        }
    }

    @Test func zeroingKeepsHolesAndZeroesData() async throws {
        try await withNBDServer([TestExport(volumeId: Self.volume)]) { server in
            try await RawClient.with(port: server.port) { client in
                try await client.open(Self.volume, structured: true, allocation: true)
                let block = UInt32(512 << 10)
                try await client.request(.write, cookie: 1, offset: UInt64(block), length: 3, payload: [7, 7, 7])
                #expect(try await client.readSimpleReply().error == 0)
                try await client.request(.writeZeroes, cookie: 2, offset: 0, length: 4 * block)
                #expect(try await client.readSimpleReply().error == 0)
                try await client.request(.trim, flags: NBDCommandFlags.fua, cookie: 3, offset: 0, length: 4 * block)
                #expect(try await client.readSimpleReply().error == 0)
                try await client.request(.read, cookie: 4, offset: UInt64(block), length: 3)
                #expect(try await client.readChunk().payload == Bytes().int(UInt64(block)).raw([0, 0, 0]).array)
                try await client.request(.blockStatus, cookie: 5, offset: 0, length: 4 * block)
                let status = try await client.readChunk().payload
                // Blocks 0, 2, 3 were never written: holes. Block 1 was zeroed in place: data.
                #expect(
                    status
                        == Bytes().int(UInt32(1)).int(block).int(UInt32(3)).int(block).int(UInt32(0))
                        .int(2 * block).int(UInt32(3)).array)
            }
        }
    }
}

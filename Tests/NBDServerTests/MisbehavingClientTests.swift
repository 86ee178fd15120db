import NIOCore
import Testing

@testable import NBDServer

/// Clients that break the rules get the error the spec names, or their connection closed, while
/// a connection opened before them keeps working.
@Suite(.timeLimit(.minutes(2))) struct MisbehavingClientTests {
    static let volume = TestExport.id(1)

    /// Runs `misbehave` on a second connection while a healthy first connection stays open, then
    /// checks the healthy one still works and that a new connection can be opened.
    func whileAnotherConnectionWorks(
        configuration: NBDService.Configuration = .init(),
        _ misbehave: @Sendable @escaping (NBDTestServer) async throws -> Void
    ) async throws {
        try await withNBDServer([TestExport(volumeId: Self.volume)], configuration: configuration) { server in
            try await RawClient.with(port: server.port) { healthy in
                try await healthy.open(Self.volume)
                #expect(try await healthy.roundTrip(offset: 0, byte: 1))
                try await misbehave(server)
                #expect(try await healthy.roundTrip(offset: 8192, byte: 2))
            }
            try await RawClient.with(port: server.port) { fresh in
                try await fresh.open(Self.volume)
                #expect(try await fresh.roundTrip(offset: 4096, byte: 3))
            }
        }
    }

    @Test func garbageHandshakeClosesTheConnection() async throws {
        try await whileAnotherConnectionWorks { server in
            try await RawClient.with(port: server.port) { client in
                try await client.greet()
                try await client.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
                #expect(await client.closedByServer())
            }
            try await RawClient.with(port: server.port) { client in
                _ = try await client.read(18)
                try await client.send([0xFF, 0xFF, 0xFF, 0xFF])  // Unknown client flags.
                #expect(await client.closedByServer())
            }
        }
    }

    @Test(.timeLimit(.minutes(1))) func aClientThatStallsInTheHandshakeIsDisconnected() async throws {
        let quick = NBDService.Configuration(handshakeTimeout: .seconds(3))
        try await withNBDServer([TestExport(volumeId: Self.volume)], configuration: quick) { server in
            // On a loaded machine even a healthy handshake can outlast so short a deadline and be
            // cut, as it should; such an attempt is made again rather than counted as a failure.
            var attempts = 0
            var finished = false
            while !finished {
                attempts += 1
                let lastAttempt = attempts == 3
                finished = try await RawClient.with(port: server.port) { healthy in
                    do {
                        try await healthy.open(Self.volume)
                    } catch where !lastAttempt {
                        return false
                    }
                    try await RawClient.with(port: server.port) { stalled in
                        try await stalled.greet()  // then nothing: no option ever comes
                        let start = ContinuousClock.now
                        #expect(await stalled.closedByServer())
                        #expect(ContinuousClock.now - start < .seconds(30))
                    }
                    // Past the timeout, a connection that finished its handshake is untouched.
                    #expect(try await healthy.roundTrip(offset: 0, byte: 1))
                    return true
                }
            }
        }
    }

    /// 1 MiB payloads, 4 MiB in flight per connection and in all, and a short reply timeout.
    static func smallBudgets(replyWriteTimeout: TimeAmount) -> NBDService.Configuration {
        NBDService.Configuration(
            maxPayload: 1 << 20, maxBytesInFlight: 4 << 20, maxBytesInFlightTotal: 4 << 20,
            replyWriteTimeout: replyWriteTimeout)
    }

    /// `count` reads of 1 MiB each, of consecutive MiBs, cookies 0, 1, ….
    static func mebibyteReads(_ count: Int) -> Bytes {
        (0..<count).reduce(Bytes()) { stream, i in
            stream.raw(requestBytes(0, cookie: UInt64(i), offset: UInt64(i) << 20, length: 1 << 20).array)
        }
    }

    @Test(.timeLimit(.minutes(2))) func aClientThatReadsNoRepliesIsDisconnectedAndOthersGoOn() async throws {
        // Budgets far below what the stalled client asks for: 64 reads of 1 MiB.
        let tight = Self.smallBudgets(replyWriteTimeout: .seconds(2))
        try await withNBDServer([TestExport(volumeId: Self.volume)], configuration: tight) { server in
            try await RawClient.with(port: server.port) { healthy in
                try await healthy.open(Self.volume)
                try await RawClient.with(port: server.port) { stalled in
                    try await stalled.open(Self.volume)
                    try await stalled.send(Self.mebibyteReads(64))
                    // It reads nothing for a while; the server closes it once its replies have
                    // waited the write timeout.
                    try await Task.sleep(for: .seconds(4))
                    #expect(await stalled.closedByServer())
                }
                // What the stalled connection held is free again: the healthy one reads 1 MiB
                // through the running-request path, then writes and reads back.
                try await healthy.request(.read, cookie: 7, offset: 0, length: 1 << 20)
                #expect(try await healthy.readSimpleReply(dataLength: 1 << 20).error == 0)
                #expect(try await healthy.roundTrip(offset: 0, byte: 9))
            }
        }
    }

    @Test(.timeLimit(.minutes(2))) func aClientThatReadsSlowlyButSteadilyIsNotDisconnected() async throws {
        let tight = Self.smallBudgets(replyWriteTimeout: .seconds(5))
        try await withNBDServer([TestExport(volumeId: Self.volume)], configuration: tight) { server in
            try await RawClient.with(port: server.port) { slow in
                try await slow.open(Self.volume)
                try await slow.send(Self.mebibyteReads(24))
                // 24 MiB taken 1 MiB every 300 ms: the last replies wait ~7 s, past the 5 s
                // timeout, but bytes leave the socket all along.
                for _ in 0..<24 {
                    #expect(try await slow.readSimpleReply(dataLength: 1 << 20).error == 0)
                    try await Task.sleep(for: .milliseconds(300))
                }
                #expect(try await slow.roundTrip(offset: 0, byte: 5), "the connection is still open")
            }
        }
    }

    @Test func unknownOptionsAreRefusedAndNegotiationGoesOn() async throws {
        try await whileAnotherConnectionWorks { server in
            try await RawClient.with(port: server.port) { client in
                try await client.greet()
                try await client.send(optionBytes(0x1234, Bytes().text("whatever")))
                let unknown = try await client.readOptionReply()
                #expect(unknown.option == 0x1234 && unknown.type == NBDOptionReplyType.errUnsupported)
                try await client.send(optionBytes(NBDOptionCode.startTLS))
                #expect(try await client.readOptionReply().type == NBDOptionReplyType.errPolicy)
                try await client.send(optionBytes(NBDOptionCode.go, exportQueryBytes("vol-missing")))
                #expect(try await client.readOptionReply().type == NBDOptionReplyType.errUnknown)
                try await client.send(optionBytes(NBDOptionCode.go, Bytes().int(UInt32(999))))
                #expect(try await client.readOptionReply().type == NBDOptionReplyType.errInvalid)
                try await client.send(optionBytes(NBDOptionCode.abort))
                #expect(try await client.readOptionReply().type == NBDOptionReplyType.ack)
                #expect(await client.closedByServer())
            }
        }
    }

    @Test func oversizedOptionClosesTheConnection() async throws {
        try await whileAnotherConnectionWorks { server in
            try await RawClient.with(port: server.port) { client in
                try await client.greet()
                try await client.send(Bytes().int(NBDMagic.iHaveOption).int(NBDOptionCode.go).int(UInt32(1 << 30)))
                #expect(await client.closedByServer())
            }
        }
    }

    @Test func unknownExportNameClosesTheConnection() async throws {
        try await whileAnotherConnectionWorks { server in
            try await RawClient.with(port: server.port) { client in
                try await client.greet()
                try await client.send(optionBytes(NBDOptionCode.exportName, Bytes().text("vol-missing")))
                #expect(await client.closedByServer())
            }
        }
    }

    @Test func rangesPastTheEndUnknownCommandsAndBadFlagsAreErrors() async throws {
        try await whileAnotherConnectionWorks { server in
            try await RawClient.with(port: server.port) { client in
                let (size, _) = try await client.open(Self.volume)
                try await client.request(.read, cookie: 1, offset: size - 100, length: 4096)
                #expect(try await client.readSimpleReply() == (22, 1, []))
                try await client.request(.write, cookie: 2, offset: size, length: 1, payload: [1])
                #expect(try await client.readSimpleReply() == (28, 2, []))
                try await client.request(.writeZeroes, cookie: 3, offset: .max - 10, length: 4096)
                #expect(try await client.readSimpleReply() == (28, 3, []))
                try await client.request(.trim, cookie: 4, offset: size, length: 1)
                #expect(try await client.readSimpleReply() == (22, 4, []))
                try await client.request(NBDCommand(rawValue: 77), cookie: 5, length: 4096)
                #expect(try await client.readSimpleReply() == (22, 5, []))
                try await client.request(
                    .write, flags: NBDCommandFlags.requestOne, cookie: 6, length: 2, payload: [1, 2])
                #expect(try await client.readSimpleReply() == (22, 6, []))
                try await client.request(.read, cookie: 7, length: (32 << 20) + 1)
                #expect(try await client.readSimpleReply() == (22, 7, []))
                try await client.request(.blockStatus, cookie: 8, length: 4096)  // No context negotiated.
                #expect(try await client.readSimpleReply() == (22, 8, []))
                #expect(try await client.roundTrip(offset: 1 << 20, byte: 9))
            }
        }
    }

    @Test func structuredErrorsCarryAMessage() async throws {
        try await whileAnotherConnectionWorks { server in
            try await RawClient.with(port: server.port) { client in
                let (size, _) = try await client.open(Self.volume, structured: true)
                try await client.request(.read, cookie: 1, offset: size, length: 1)
                let chunk = try await client.readChunk()
                #expect(chunk.type == NBDReplyType.error && chunk.flags == NBDReplyType.flagDone && chunk.cookie == 1)
                var payload = ByteBuffer(bytes: chunk.payload)
                #expect(payload.readInteger(as: UInt32.self) == 22)
                let length = Int(payload.readInteger(as: UInt16.self)!)
                #expect(length == payload.readableBytes && length > 0)
                try await client.request(.read, cookie: 2, length: (32 << 20) + 1)
                var overflow = ByteBuffer(bytes: try await client.readChunk().payload)
                #expect(overflow.readInteger(as: UInt32.self) == 75)
            }
        }
    }

    @Test func oversizedWriteIsRefusedAndClosesTheConnection() async throws {
        try await whileAnotherConnectionWorks { server in
            try await RawClient.with(port: server.port) { client in
                try await client.open(Self.volume)
                try await client.request(.write, cookie: 42, length: (32 << 20) + 1)
                #expect(try await client.readSimpleReply() == (22, 42, []))
                #expect(await client.closedByServer())
            }
        }
    }

    @Test func badRequestMagicClosesTheConnection() async throws {
        try await whileAnotherConnectionWorks { server in
            try await RawClient.with(port: server.port) { client in
                try await client.open(Self.volume)
                try await client.send([UInt8](repeating: 0xAB, count: 28))
                #expect(await client.closedByServer())
            }
        }
    }

    @Test func clientVanishingMidRequestLeavesTheServerServing() async throws {
        try await whileAnotherConnectionWorks { server in
            try await RawClient.with(port: server.port) { client in
                try await client.open(Self.volume)
                try await client.send(
                    requestBytes(
                        1, cookie: 1, offset: 1 << 20, length: 1 << 20, payload: [UInt8](repeating: 7, count: 1000)))
                await client.vanish()
            }
            try await RawClient.with(port: server.port) { client in
                try await client.open(Self.volume)
                try await client.request(.read, cookie: 1, length: 4096)  // Vanish with a reply pending.
                await client.vanish()
            }
            try await RawClient.with(port: server.port) { client in
                try await client.greet()
                try await client.send(
                    Array(optionBytes(NBDOptionCode.go, exportQueryBytes(Self.volume)).array.prefix(20)))
                await client.vanish()  // Mid-option.
            }
            // The partial write never happened.
            let read = try await server.volumes.read(volumeId: Self.volume, offset: 1 << 20, length: 1000)
            #expect(read == [UInt8](repeating: 0, count: 1000))
        }
    }

    @Test func disconnectAnswersPendingRequestsThenCloses() async throws {
        try await withNBDServer([TestExport(volumeId: Self.volume)]) { server in
            try await RawClient.with(port: server.port) { client in
                try await client.open(Self.volume)
                var stream = Bytes()
                for cookie in 0..<8 {
                    stream = stream.raw(
                        requestBytes(
                            1, cookie: UInt64(cookie), offset: UInt64(cookie) << 16, length: 4096,
                            payload: [UInt8](repeating: UInt8(cookie), count: 4096)
                        ).array)
                }
                try await client.send(stream.raw(requestBytes(2, cookie: 99).array))
                var cookies: Set<UInt64> = []
                for _ in 0..<8 { cookies.insert(try await client.readSimpleReply().cookie) }
                #expect(cookies == Set(0..<8))
                #expect(await client.closedByServer())
            }
            let read = try await server.volumes.read(volumeId: Self.volume, offset: 7 << 16, length: 4096)
            #expect(read == [UInt8](repeating: 7, count: 4096))
        }
    }
}

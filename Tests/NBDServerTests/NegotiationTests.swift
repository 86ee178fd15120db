import NIOCore
import Testing

@testable import NBDServer

/// Option haggling: each option's replies and when transmission starts.
@Suite struct NegotiationTests {
    static let export = NBDExport(volumeId: "vol-0000000000000001", size: 1 << 30, writable: true)

    static func negotiation() -> NBDNegotiation {
        NBDNegotiation(blockSizes: NBDBlockSizes(), list: { _ in [export.volumeId] }) { name, _ in
            name == export.volumeId ? export : nil
        }
    }

    static func replies(_ step: NBDNegotiation.Step) -> [NBDOptionReply] {
        if case .reply(let replies) = step { return replies }
        Issue.record("expected replies, got \(step)")
        return []
    }

    @Test func goOnAKnownExportSendsInfoThenAckAndStartsTransmission() async {
        var negotiation = Self.negotiation()
        let query = NBDExportQuery(
            name: Self.export.volumeId, informationRequests: [NBDInfoType.blockSize, NBDInfoType.name])
        guard case .transmission(let sent, let session) = await negotiation.handle(.go(query)) else {
            Issue.record("GO did not start transmission")
            return
        }
        var expected = ByteBuffer()
        for reply: NBDOptionReply in [
            .infoExport(7, size: 1 << 30, flags: 0x096D), .infoName(7, name: Self.export.volumeId),
            .infoBlockSize(7, NBDBlockSizes()), .ack(7),
        ] { reply.write(into: &expected) }
        #expect(sent == expected)
        #expect(session == NBDSession(export: Self.export, structuredReplies: false, allocationContextId: nil))
    }

    @Test func infoAnswersWithoutStartingTransmission() async {
        var negotiation = Self.negotiation()
        let query = NBDExportQuery(name: Self.export.volumeId, informationRequests: [])
        #expect(
            Self.replies(await negotiation.handle(.info(query))) == [
                .infoExport(6, size: 1 << 30, flags: 0x096D), .ack(6),
            ])
    }

    @Test func unknownExportsAreErrorsForGoAndACloseForExportName() async {
        var negotiation = Self.negotiation()
        let replies = Self.replies(
            await negotiation.handle(.go(NBDExportQuery(name: "vol-nope", informationRequests: []))))
        #expect(replies.map(\.type) == [NBDOptionReplyType.errUnknown])
        guard case .close = await negotiation.handle(.exportName("vol-nope")) else {
            Issue.record("an unknown NBD_OPT_EXPORT_NAME must close the connection")
            return
        }
    }

    @Test func exportNameHonoursNoZeroes() async {
        var negotiation = Self.negotiation()
        negotiation.clientFlags = NBDClientFlags(rawValue: 3)
        guard case .transmission(let sent, _) = await negotiation.handle(.exportName(Self.export.volumeId)) else {
            Issue.record("EXPORT_NAME did not start transmission")
            return
        }
        #expect(sent.readableBytes == 10)
        var padded = Self.negotiation()
        guard case .transmission(let sentPadded, _) = await padded.handle(.exportName(Self.export.volumeId)) else {
            return
        }
        #expect(sentPadded.readableBytes == 134)
    }

    @Test func refusedAndUnknownOptions() async {
        var negotiation = Self.negotiation()
        #expect(Self.replies(await negotiation.handle(.startTLS)).map(\.type) == [NBDOptionReplyType.errPolicy])
        #expect(
            Self.replies(await negotiation.handle(.unsupported(11))).map(\.type) == [NBDOptionReplyType.errUnsupported])
        #expect(
            Self.replies(await negotiation.handle(.invalid(3, reason: "x"))).map(\.type) == [
                NBDOptionReplyType.errInvalid
            ])
        guard case .abort(let replies) = await negotiation.handle(.abort) else {
            Issue.record("ABORT must end the negotiation")
            return
        }
        #expect(replies == [.ack(2)])
    }

    @Test func allocationContextNeedsStructuredRepliesAndTheSameExport() async {
        var negotiation = Self.negotiation()
        let set = NBDMetaContextQuery(exportName: Self.export.volumeId, queries: ["base:allocation"])
        #expect(
            Self.replies(await negotiation.handle(.setMetaContext(set))).map(\.type) == [NBDOptionReplyType.errInvalid])
        #expect(Self.replies(await negotiation.handle(.structuredReply)) == [.ack(8)])
        #expect(
            Self.replies(await negotiation.handle(.setMetaContext(set)))
                == [.metaContext(10, id: 1, name: "base:allocation"), .ack(10)])
        guard
            case .transmission(_, let session) = await negotiation.handle(
                .go(NBDExportQuery(name: Self.export.volumeId, informationRequests: [])))
        else {
            Issue.record("GO did not start transmission")
            return
        }
        #expect(session.structuredReplies && session.allocationContextId == 1)

        var other = Self.negotiation()
        _ = await other.handle(.structuredReply)
        _ = await other.handle(
            .setMetaContext(NBDMetaContextQuery(exportName: "vol-other", queries: ["base:allocation"])))
        guard case .transmission(_, let otherSession) = await other.handle(.exportName(Self.export.volumeId)) else {
            return
        }
        #expect(otherSession.allocationContextId == nil)
    }

    @Test func setMetaContextIgnoresOtherQueriesAndListMatchesWildcards() async {
        var negotiation = Self.negotiation()
        _ = await negotiation.handle(.structuredReply)
        let unknown = NBDMetaContextQuery(exportName: Self.export.volumeId, queries: ["base:", "qemu:dirty-bitmap:a"])
        #expect(Self.replies(await negotiation.handle(.setMetaContext(unknown))) == [.ack(10)])
        #expect(negotiation.allocationContextExport == nil)
        for queries in [[], ["base:"], ["base:allocation"]] {
            let list = NBDMetaContextQuery(exportName: Self.export.volumeId, queries: queries)
            #expect(
                Self.replies(await negotiation.handle(.listMetaContext(list)))
                    == [.metaContext(9, id: 0, name: "base:allocation"), .ack(9)])
        }
        let none = NBDMetaContextQuery(exportName: Self.export.volumeId, queries: ["x-other:"])
        #expect(Self.replies(await negotiation.handle(.listMetaContext(none))) == [.ack(9)])
    }

    @Test func readOnlyExportsAdvertiseReadOnly() async {
        let readOnly = NBDExport(volumeId: "vol-ro", size: 1 << 30, writable: false)
        var negotiation = NBDNegotiation(blockSizes: NBDBlockSizes()) { _, _ in readOnly }
        let replies = Self.replies(
            await negotiation.handle(.info(NBDExportQuery(name: "vol-ro", informationRequests: []))))
        #expect(replies.first == .infoExport(6, size: 1 << 30, flags: 0x010F))
    }

    @Test func listAnswersOneServerReplyPerExportThenAck() async {
        var negotiation = Self.negotiation()
        #expect(
            Self.replies(await negotiation.handle(.list)) == [.server(3, name: Self.export.volumeId), .ack(3)])
        var data = ByteBuffer()
        NBDOptionReply.server(3, name: "vol-a").write(into: &data)
        // magic · option 3 · NBD_REP_SERVER · length 9 · name length 5 · "vol-a"
        #expect(
            Array(data.readableBytesView)
                == [0, 3, 0xE8, 0x89, 0x04, 0x55, 0x65, 0xA9, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 9, 0, 0, 0, 5]
                + Array("vol-a".utf8))
    }

    @Test func forcedTLSRefusesEverythingButStartTLSAndAbortUntilTheUpgrade() async {
        let seen = ClientLog()
        var negotiation = NBDNegotiation(
            blockSizes: NBDBlockSizes(), tlsRequired: true, list: { client in await seen.add(client); return [] }
        ) { name, client in
            await seen.add(client)
            return client == .account("123456789012") && name == Self.export.volumeId ? Self.export : nil
        }
        let query = NBDExportQuery(name: Self.export.volumeId, informationRequests: [])
        for option: NBDOptionRequest in [.go(query), .info(query), .list, .structuredReply, .unsupported(42)] {
            #expect(
                Self.replies(await negotiation.handle(option)) == [
                    .error(option.code, NBDOptionReplyType.errTLSRequired, "TLS is required: send NBD_OPT_STARTTLS")
                ])
        }
        guard case .close = await negotiation.handle(.exportName(Self.export.volumeId)) else {
            Issue.record("EXPORT_NAME before TLS must close the connection")
            return
        }
        guard case .startTLS(let replies) = await negotiation.handle(.startTLS), replies == [.ack(5)] else {
            Issue.record("STARTTLS must be acknowledged and start the handshake")
            return
        }
        #expect(await seen.clients.isEmpty, "nothing was looked up before TLS")

        // Structured replies negotiated before TLS are forgotten by the upgrade.
        negotiation.tlsEstablished(client: .account("999999999999"))
        #expect(Self.replies(await negotiation.handle(.go(query))).map(\.type) == [NBDOptionReplyType.errUnknown])
        negotiation.tlsEstablished(client: .account("123456789012"))
        #expect(!negotiation.structuredReplies)
        #expect(Self.replies(await negotiation.handle(.startTLS)).map(\.type) == [NBDOptionReplyType.errInvalid])
        guard case .transmission = await negotiation.handle(.go(query)) else {
            Issue.record("the account's own export must open after TLS")
            return
        }
        #expect(await seen.clients == [.account("999999999999"), .account("123456789012")])
    }
}

/// The clients a lookup was made for.
private actor ClientLog {
    var clients: [NBDClient] = []
    func add(_ client: NBDClient) { clients.append(client) }
}

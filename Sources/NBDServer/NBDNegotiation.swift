import NIOCore

/// Looks an export name up for a client; nil when there is no such export or the client may
/// not open it.
typealias NBDExportResolver = @Sendable (String, NBDClient) async -> NBDExport?
/// The names of the exports a client may open.
typealias NBDExportLister = @Sendable (NBDClient) async -> [String]

/// Option haggling, one option at a time: what to answer and when to enter transmission.
///
///     greeting ─▶ client flags ─▶ ┬─ option ─▶ replies ─┐ (repeat)
///                                 │◀────────────────────┘
///                                 ├─ NBD_OPT_GO (ACK) / NBD_OPT_EXPORT_NAME ─▶ transmission
///                                 └─ NBD_OPT_ABORT (ACK) / unknown EXPORT_NAME ─▶ close
///
/// TLS (proto.md "TLS support"): without TLS configured the server is in NOTLS mode and
/// `NBD_OPT_STARTTLS` is refused with `NBD_REP_ERR_POLICY`. With TLS it is in FORCEDTLS mode:
/// before `NBD_OPT_STARTTLS` every option but `NBD_OPT_ABORT` is answered
/// `NBD_REP_ERR_TLS_REQD` (`NBD_OPT_EXPORT_NAME` closes the connection); after the upgrade
/// everything negotiated before is forgotten and the client is the account its certificate names.
/// `NBD_OPT_LIST` lists the exports the client may open.
struct NBDNegotiation {
    /// What the connection does next.
    enum Step {
        /// Send these replies and read the next option.
        case reply([NBDOptionReply])
        /// Send these replies, then close (`NBD_OPT_ABORT`).
        case abort([NBDOptionReply])
        /// Close without a reply (an `NBD_OPT_EXPORT_NAME` that cannot be served).
        case close(reason: String)
        /// Send these bytes and enter the transmission phase.
        case transmission(ByteBuffer, NBDSession)
        /// Send these replies in the clear, then start the TLS handshake; report the client's
        /// identity with `tlsEstablished(client:)` before the next option.
        case startTLS([NBDOptionReply])
    }

    /// The id given to `base:allocation`.
    static let allocationContextId: UInt32 = 1
    /// The one metadata context served.
    static let allocationContext = "base:allocation"

    /// The size constraints advertised with `NBD_INFO_BLOCK_SIZE`.
    let blockSizes: NBDBlockSizes
    /// Looks exports up.
    let resolve: NBDExportResolver
    /// Lists exports.
    let list: NBDExportLister
    /// Whether TLS is required (FORCEDTLS) rather than unavailable (NOTLS).
    let tlsRequired: Bool
    /// Who the client is: `.local` on a plain listener, its account once TLS is established,
    /// nil while TLS is required and not yet established.
    private(set) var client: NBDClient?
    /// The client's handshake flags.
    var clientFlags = NBDClientFlags(rawValue: 0)
    /// Whether structured replies were negotiated.
    private(set) var structuredReplies = false
    /// The export named by the last `NBD_OPT_SET_META_CONTEXT`, if it selected `base:allocation`.
    private(set) var allocationContextExport: String?

    /// Creates a negotiation.
    init(
        blockSizes: NBDBlockSizes, tlsRequired: Bool = false, list: @escaping NBDExportLister = { _ in [] },
        resolve: @escaping NBDExportResolver
    ) {
        self.blockSizes = blockSizes
        self.tlsRequired = tlsRequired
        self.list = list
        self.resolve = resolve
        client = tlsRequired ? nil : .local
    }

    /// Records the identity a completed TLS handshake proved and forgets everything negotiated
    /// before it, as the spec requires.
    mutating func tlsEstablished(client: NBDClient) {
        self.client = client
        structuredReplies = false
        allocationContextExport = nil
    }

    /// Answers one option.
    mutating func handle(_ option: NBDOptionRequest) async -> Step {
        let code = option.code
        guard let client else {
            switch option {
            case .abort: return .abort([.ack(code)])
            case .startTLS: return .startTLS([.ack(code)])
            case .exportName: return .close(reason: "NBD_OPT_EXPORT_NAME before NBD_OPT_STARTTLS")
            default:
                return .reply([.error(code, NBDOptionReplyType.errTLSRequired, "TLS is required: send NBD_OPT_STARTTLS")])
            }
        }
        switch option {
        case .exportName(let name):
            guard let export = await resolve(name, client) else {
                return .close(reason: "unknown export \(name.debugDescription)")
            }
            let session = session(for: export, name: name)
            let flags = export.transmissionFlags(structuredReplies: structuredReplies)
            return .transmission(
                NBDHandshakeMessages.exportNameReply(
                    size: UInt64(max(0, export.size)), flags: flags, noZeroes: clientFlags.noZeroes),
                session)
        case .abort:
            return .abort([.ack(code)])
        case .list:
            return .reply(await list(client).map { .server(code, name: $0) } + [.ack(code)])
        case .startTLS:
            guard tlsRequired else {
                return .reply([.error(code, NBDOptionReplyType.errPolicy, "TLS is not enabled on this listener")])
            }
            return .reply([.error(code, NBDOptionReplyType.errInvalid, "TLS is already established")])
        case .info(let query), .go(let query):
            guard let export = await resolve(query.name, client) else {
                return .reply([
                    .error(code, NBDOptionReplyType.errUnknown, "unknown export \(query.name.debugDescription)")
                ])
            }
            let replies = infoReplies(code, export, query) + [.ack(code)]
            guard case .go = option else { return .reply(replies) }
            var bytes = ByteBuffer()
            for reply in replies { reply.write(into: &bytes) }
            return .transmission(bytes, session(for: export, name: query.name))
        case .structuredReply:
            structuredReplies = true
            return .reply([.ack(code)])
        case .listMetaContext(let query):
            let matches =
                query.queries.isEmpty || query.queries.contains { $0 == "base:" || $0 == Self.allocationContext }
            return .reply(
                (matches ? [.metaContext(code, id: 0, name: Self.allocationContext)] : []) + [.ack(code)])
        case .setMetaContext(let query):
            allocationContextExport = nil
            guard structuredReplies else {
                return .reply([.error(code, NBDOptionReplyType.errInvalid, "negotiate structured replies first")])
            }
            guard query.queries.contains(Self.allocationContext) else { return .reply([.ack(code)]) }
            allocationContextExport = query.exportName
            return .reply([.metaContext(code, id: Self.allocationContextId, name: Self.allocationContext), .ack(code)])
        case .unsupported:
            return .reply([.error(code, NBDOptionReplyType.errUnsupported, "option \(code) is not supported")])
        case .invalid(_, let reason):
            return .reply([.error(code, NBDOptionReplyType.errInvalid, reason)])
        }
    }

    /// `NBD_INFO_EXPORT` always, `NBD_INFO_NAME` and `NBD_INFO_BLOCK_SIZE` when asked for.
    private func infoReplies(_ code: UInt32, _ export: NBDExport, _ query: NBDExportQuery) -> [NBDOptionReply] {
        let flags = export.transmissionFlags(structuredReplies: structuredReplies)
        var replies: [NBDOptionReply] = [.infoExport(code, size: UInt64(max(0, export.size)), flags: flags)]
        if query.informationRequests.contains(NBDInfoType.name) {
            replies.append(.infoName(code, name: export.volumeId))
        }
        if query.informationRequests.contains(NBDInfoType.blockSize) {
            replies.append(.infoBlockSize(code, blockSizes))
        }
        return replies
    }

    /// The transmission parameters for `export`, opened under `name`.
    private func session(for export: NBDExport, name: String) -> NBDSession {
        NBDSession(
            export: export, structuredReplies: structuredReplies,
            allocationContextId: allocationContextExport == name ? Self.allocationContextId : nil)
    }
}

import NIOCore

/// The export name and information requests of `NBD_OPT_INFO` / `NBD_OPT_GO`.
struct NBDExportQuery: Hashable, Sendable {
    /// The export name (a volume id).
    var name: String
    /// The `NBD_INFO_*` types the client asked for, in its order.
    var informationRequests: [UInt16]
}

/// The export name and queries of `NBD_OPT_LIST_META_CONTEXT` / `NBD_OPT_SET_META_CONTEXT`.
struct NBDMetaContextQuery: Hashable, Sendable {
    /// The export the contexts are for.
    var exportName: String
    /// The queries, such as `base:allocation` or `base:`.
    var queries: [String]
}

/// One option a client sent during option haggling, decoded from its data.
enum NBDOptionRequest: Hashable, Sendable {
    /// `NBD_OPT_EXPORT_NAME`: choose an export and enter transmission (no error reply possible).
    case exportName(String)
    /// `NBD_OPT_ABORT`.
    case abort
    /// `NBD_OPT_LIST`.
    case list
    /// `NBD_OPT_STARTTLS`.
    case startTLS
    /// `NBD_OPT_INFO`.
    case info(NBDExportQuery)
    /// `NBD_OPT_GO`.
    case go(NBDExportQuery)
    /// `NBD_OPT_STRUCTURED_REPLY`.
    case structuredReply
    /// `NBD_OPT_LIST_META_CONTEXT`.
    case listMetaContext(NBDMetaContextQuery)
    /// `NBD_OPT_SET_META_CONTEXT`.
    case setMetaContext(NBDMetaContextQuery)
    /// An option this server does not implement (answered `NBD_REP_ERR_UNSUP`).
    case unsupported(UInt32)
    /// A known option whose data is malformed (answered `NBD_REP_ERR_INVALID`).
    case invalid(UInt32, reason: String)

    /// The option code this request answers to.
    var code: UInt32 {
        switch self {
        case .exportName: NBDOptionCode.exportName
        case .abort: NBDOptionCode.abort
        case .list: NBDOptionCode.list
        case .startTLS: NBDOptionCode.startTLS
        case .info: NBDOptionCode.info
        case .go: NBDOptionCode.go
        case .structuredReply: NBDOptionCode.structuredReply
        case .listMetaContext: NBDOptionCode.listMetaContext
        case .setMetaContext: NBDOptionCode.setMetaContext
        case .unsupported(let code), .invalid(let code, _): code
        }
    }

    /// The longest string the protocol allows (export names, queries).
    static let maxStringLength = 4096

    /// Decodes option `code`'s data (all of `data`'s readable bytes).
    init(code: UInt32, data: ByteBuffer) {
        var data = data
        switch code {
        case NBDOptionCode.exportName:
            self = .exportName(String(decoding: data.readableBytesView, as: UTF8.self))
        case NBDOptionCode.abort:
            self = .abort  // Data, if any, is ignored as the spec asks.
        case NBDOptionCode.list, NBDOptionCode.startTLS, NBDOptionCode.structuredReply:
            guard data.readableBytes == 0 else {
                self = .invalid(code, reason: "this option takes no data")
                return
            }
            self = code == NBDOptionCode.list ? .list : code == NBDOptionCode.startTLS ? .startTLS : .structuredReply
        case NBDOptionCode.info, NBDOptionCode.go:
            guard let query = Self.exportQuery(&data) else {
                self = .invalid(code, reason: "malformed export name or information request list")
                return
            }
            self = code == NBDOptionCode.info ? .info(query) : .go(query)
        case NBDOptionCode.listMetaContext, NBDOptionCode.setMetaContext:
            guard let query = Self.metaContextQuery(&data) else {
                self = .invalid(code, reason: "malformed export name or metadata context query list")
                return
            }
            self = code == NBDOptionCode.listMetaContext ? .listMetaContext(query) : .setMetaContext(query)
        default:
            self = .unsupported(code)
        }
    }

    /// name length (32) · name · count (16) · count × info type (16), exactly.
    private static func exportQuery(_ data: inout ByteBuffer) -> NBDExportQuery? {
        guard let name = readString(&data), let count = data.readInteger(as: UInt16.self),
            data.readableBytes == Int(count) * 2
        else { return nil }
        let requests = (0..<count).map { _ in data.readInteger(as: UInt16.self)! }
        return NBDExportQuery(name: name, informationRequests: requests)
    }

    /// name length (32) · name · count (32) · count × (length (32) · query), exactly.
    private static func metaContextQuery(_ data: inout ByteBuffer) -> NBDMetaContextQuery? {
        guard let name = readString(&data), let count = data.readInteger(as: UInt32.self),
            Int(count) <= data.readableBytes / 4
        else { return nil }
        var queries: [String] = []
        for _ in 0..<count {
            guard let query = readString(&data) else { return nil }
            queries.append(query)
        }
        guard data.readableBytes == 0 else { return nil }
        return NBDMetaContextQuery(exportName: name, queries: queries)
    }

    /// A 32-bit length then that many bytes of valid UTF-8, at most `maxStringLength`.
    private static func readString(_ data: inout ByteBuffer) -> String? {
        guard let length = data.getInteger(at: data.readerIndex, as: UInt32.self), length <= maxStringLength,
            data.readableBytes >= 4 + Int(length)
        else { return nil }
        data.moveReaderIndex(forwardBy: 4)
        let bytes = data.readBytes(length: Int(length))!
        let string = String(decoding: bytes, as: UTF8.self)
        // Invalid UTF-8 decodes to U+FFFD, which changes the bytes.
        guard string.utf8.elementsEqual(bytes), !bytes.contains(0) else { return nil }
        return string
    }
}

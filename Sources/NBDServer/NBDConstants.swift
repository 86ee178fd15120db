/// The wire constants of the NBD protocol, named as in the NBD project's `doc/proto.md`
/// ("Values"). Every number is sent big-endian.
enum NBDMagic {
    /// `NBDMAGIC`, the first 8 bytes the server sends (`INIT_PASSWD`).
    static let initPassword: UInt64 = 0x4E42_444D_4147_4943
    /// `IHAVEOPT`: the newstyle magic, and the prefix of every option the client sends.
    static let iHaveOption: UInt64 = 0x4948_4156_454F_5054
    /// Prefix of every option reply.
    static let optionReply: UInt64 = 0x0003_E889_0455_65A9
    /// `NBD_REQUEST_MAGIC`.
    static let request: UInt32 = 0x2560_9513
    /// `NBD_SIMPLE_REPLY_MAGIC`.
    static let simpleReply: UInt32 = 0x6744_6698
    /// `NBD_STRUCTURED_REPLY_MAGIC`.
    static let structuredReply: UInt32 = 0x668E_33EF
}

/// Handshake flags (server, 16 bits) and client flags (32 bits).
enum NBDHandshakeFlags {
    /// `NBD_FLAG_FIXED_NEWSTYLE`.
    static let fixedNewstyle: UInt16 = 1 << 0
    /// `NBD_FLAG_NO_ZEROES`.
    static let noZeroes: UInt16 = 1 << 1
    /// `NBD_FLAG_C_FIXED_NEWSTYLE`.
    static let clientFixedNewstyle: UInt32 = 1 << 0
    /// `NBD_FLAG_C_NO_ZEROES`.
    static let clientNoZeroes: UInt32 = 1 << 1
    /// Every client flag this server understands; any other bit closes the connection.
    static let knownClientFlags: UInt32 = clientFixedNewstyle | clientNoZeroes
}

/// Option codes (`NBD_OPT_*`).
enum NBDOptionCode {
    static let exportName: UInt32 = 1
    static let abort: UInt32 = 2
    static let list: UInt32 = 3
    static let startTLS: UInt32 = 5
    static let info: UInt32 = 6
    static let go: UInt32 = 7
    static let structuredReply: UInt32 = 8
    static let listMetaContext: UInt32 = 9
    static let setMetaContext: UInt32 = 10
}

/// Option reply types (`NBD_REP_*`); errors have bit 31 set.
enum NBDOptionReplyType {
    static let ack: UInt32 = 1
    static let server: UInt32 = 2
    static let info: UInt32 = 3
    static let metaContext: UInt32 = 4
    static let errUnsupported: UInt32 = 0x8000_0001
    static let errPolicy: UInt32 = 0x8000_0002
    static let errInvalid: UInt32 = 0x8000_0003
    static let errPlatform: UInt32 = 0x8000_0004
    static let errTLSRequired: UInt32 = 0x8000_0005
    static let errUnknown: UInt32 = 0x8000_0006
    static let errShutdown: UInt32 = 0x8000_0007
    static let errBlockSizeRequired: UInt32 = 0x8000_0008
    static let errTooBig: UInt32 = 0x8000_0009
}

/// Information types of `NBD_REP_INFO` (`NBD_INFO_*`).
enum NBDInfoType {
    static let export: UInt16 = 0
    static let name: UInt16 = 1
    static let description: UInt16 = 2
    static let blockSize: UInt16 = 3
}

/// Transmission flags (16 bits), sent with the export size.
enum NBDTransmissionFlags {
    static let hasFlags: UInt16 = 1 << 0
    static let readOnly: UInt16 = 1 << 1
    static let sendFlush: UInt16 = 1 << 2
    static let sendFUA: UInt16 = 1 << 3
    static let rotational: UInt16 = 1 << 4
    static let sendTrim: UInt16 = 1 << 5
    static let sendWriteZeroes: UInt16 = 1 << 6
    static let sendDF: UInt16 = 1 << 7
    static let canMultiConn: UInt16 = 1 << 8
    static let sendCache: UInt16 = 1 << 10
    static let sendFastZero: UInt16 = 1 << 11
}

/// Command flags (`NBD_CMD_FLAG_*`).
enum NBDCommandFlags {
    static let fua: UInt16 = 1 << 0
    static let noHole: UInt16 = 1 << 1
    static let dontFragment: UInt16 = 1 << 2
    static let requestOne: UInt16 = 1 << 3
    static let fastZero: UInt16 = 1 << 4
}

/// Structured reply chunk types (`NBD_REPLY_TYPE_*`) and flags.
enum NBDReplyType {
    static let none: UInt16 = 0
    static let offsetData: UInt16 = 1
    static let offsetHole: UInt16 = 2
    static let blockStatus: UInt16 = 5
    static let error: UInt16 = 0x8001
    static let errorOffset: UInt16 = 0x8002
    /// `NBD_REPLY_FLAG_DONE`: the last chunk of a reply.
    static let flagDone: UInt16 = 1 << 0
}

/// `base:allocation` status flags (`NBD_STATE_*`).
enum NBDAllocationState {
    static let hole: UInt32 = 1 << 0
    static let zero: UInt32 = 1 << 1
}

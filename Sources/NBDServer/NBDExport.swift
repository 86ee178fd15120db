/// An export a client may open: one volume, by its id.
public struct NBDExport: Sendable, Hashable {
    /// The volume id (`vol-…`), which is also the export name.
    public var volumeId: String
    /// The export size in bytes.
    public var size: Int64
    /// Whether writes are allowed; a read-only export is advertised with `NBD_FLAG_READ_ONLY`
    /// and answers writes with `NBD_EPERM`.
    public var writable: Bool

    /// Creates an export.
    public init(volumeId: String, size: Int64, writable: Bool) {
        self.volumeId = volumeId
        self.size = size
        self.writable = writable
    }

    /// The transmission flags advertised for this export. `CAN_MULTI_CONN` is honoured because
    /// the volume store's flush fsyncs the whole data file and commits every finished write's
    /// block state, whichever connection made it. `SEND_DF` is set with structured replies: a
    /// read is always answered with one content chunk.
    func transmissionFlags(structuredReplies: Bool) -> UInt16 {
        var flags =
            NBDTransmissionFlags.hasFlags | NBDTransmissionFlags.sendFlush | NBDTransmissionFlags.sendFUA
            | NBDTransmissionFlags.canMultiConn
        if writable {
            flags |=
                NBDTransmissionFlags.sendTrim | NBDTransmissionFlags.sendWriteZeroes
                | NBDTransmissionFlags.sendFastZero
        } else {
            flags |= NBDTransmissionFlags.readOnly
        }
        if structuredReplies { flags |= NBDTransmissionFlags.sendDF }
        return flags
    }
}

/// What option haggling settled for the transmission phase of one connection.
struct NBDSession: Sendable, Hashable {
    /// The export opened.
    var export: NBDExport
    /// Whether `NBD_OPT_STRUCTURED_REPLY` was negotiated.
    var structuredReplies: Bool
    /// The id of `base:allocation` if it was selected for this export, else nil (block status
    /// is then refused).
    var allocationContextId: UInt32?
}

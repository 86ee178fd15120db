import NIOCore

extension NBDService {
    /// Limits of the NBD server, with defaults.
    public struct Configuration: Sendable {
        /// The largest write payload or read length; also advertised as the maximum payload
        /// size (`NBD_INFO_BLOCK_SIZE`). A write announcing more is answered `NBD_EINVAL` and
        /// its connection closed.
        public var maxPayload: Int
        /// The longest option data accepted during the handshake; a longer option closes the
        /// connection.
        public var maxOptionLength: Int
        /// Requests of one connection running at once; the reader waits beyond that.
        public var maxRequestsInFlight: Int
        /// Payload bytes (write data, read lengths) of one connection's running requests.
        public var maxBytesInFlight: Int
        /// Payload bytes of the running requests of all connections together (`NBDMemoryBudget`).
        public var maxBytesInFlightTotal: Int
        /// How long a reply may wait for the client to read: a connection whose client reads
        /// nothing for that long is closed, which frees what its requests hold.
        public var replyWriteTimeout: TimeAmount
        /// How long a client has from connecting to finishing the handshake (TLS included);
        /// a connection still haggling then is closed, so idle half-open clients cannot pile up.
        public var handshakeTimeout: TimeAmount

        /// Creates a configuration.
        public init(
            maxPayload: Int = 32 << 20, maxOptionLength: Int = 64 << 10, maxRequestsInFlight: Int = 64,
            maxBytesInFlight: Int = 128 << 20, handshakeTimeout: TimeAmount = .seconds(30),
            maxBytesInFlightTotal: Int = 1 << 30, replyWriteTimeout: TimeAmount = .seconds(60)
        ) {
            self.maxPayload = maxPayload
            self.maxOptionLength = maxOptionLength
            self.maxRequestsInFlight = maxRequestsInFlight
            self.maxBytesInFlight = maxBytesInFlight
            self.handshakeTimeout = handshakeTimeout
            self.maxBytesInFlightTotal = maxBytesInFlightTotal
            self.replyWriteTimeout = replyWriteTimeout
        }

        /// The size constraints advertised: any alignment, 4 KiB preferred, `maxPayload`.
        var blockSizes: NBDBlockSizes {
            NBDBlockSizes(minimum: 1, preferred: 4096, maximumPayload: UInt32(clamping: maxPayload))
        }
    }
}

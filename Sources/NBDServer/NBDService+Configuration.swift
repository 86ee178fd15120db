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
        /// How long a client has from connecting to finishing the handshake (TLS included);
        /// a connection still haggling then is closed, so idle half-open clients cannot pile up.
        public var handshakeTimeout: TimeAmount

        /// Creates a configuration.
        public init(
            maxPayload: Int = 32 << 20, maxOptionLength: Int = 64 << 10, maxRequestsInFlight: Int = 64,
            maxBytesInFlight: Int = 128 << 20, handshakeTimeout: TimeAmount = .seconds(30)
        ) {
            self.maxPayload = maxPayload
            self.maxOptionLength = maxOptionLength
            self.maxRequestsInFlight = maxRequestsInFlight
            self.maxBytesInFlight = maxBytesInFlight
            self.handshakeTimeout = handshakeTimeout
        }

        /// The size constraints advertised: any alignment, 4 KiB preferred, `maxPayload`.
        var blockSizes: NBDBlockSizes {
            NBDBlockSizes(minimum: 1, preferred: 4096, maximumPayload: UInt32(clamping: maxPayload))
        }
    }
}

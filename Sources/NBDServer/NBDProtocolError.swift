/// A client broke the protocol so badly that the connection cannot go on (a hard disconnect in
/// proto.md's terms): wrong magic, unknown client flags, an option or payload too large.
public struct NBDProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case badMagic
            case unknownClientFlags
            case optionTooLong
            case payloadTooLarge
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A magic number that is not the one the protocol puts there.
        public static let badMagic = Code(.badMagic)
        /// Client flags the server did not offer.
        public static let unknownClientFlags = Code(.unknownClientFlags)
        /// An option whose data is longer than the server accepts.
        public static let optionTooLong = Code(.optionTooLong)
        /// A write whose payload is longer than the maximum payload size.
        public static let payloadTooLarge = Code(.payloadTooLarge)

        public var description: String { base.rawValue }
    }

    /// The failure's code.
    public let code: Code
    /// What the client sent, for the log.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

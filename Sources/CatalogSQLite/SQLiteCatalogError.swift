/// A failure particular to the SQLite catalog (SQLite's own errors are thrown as GRDB's
/// `DatabaseError`).
///
/// Invariant: `message` names what is wrong without including secrets.
public struct SQLiteCatalogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case newerSchema
            case alreadyExists
            case invalidArgument
            case corruptRow
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The file was migrated by a newer blocksnap; this one refuses to open it.
        public static let newerSchema = Code(.newerSchema)
        /// A unique name, id or key is taken.
        public static let alreadyExists = Code(.alreadyExists)
        /// The caller passed values that cannot be stored together.
        public static let invalidArgument = Code(.invalidArgument)
        /// A stored row does not decode to a domain value.
        public static let corruptRow = Code(.corruptRow)

        public var description: String { base.rawValue }
    }

    /// The failure's code.
    public let code: Code
    /// What is wrong.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

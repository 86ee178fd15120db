/// Who a connection speaks for, which decides the exports it may list and open.
///
/// A plain connection is `.local`: plain NBD has no authentication and is served on loopback
/// only, so it may open every export (the host is trusted). A connection that completed
/// `NBD_OPT_STARTTLS` with a client certificate issued to an account is `.account(id)` and
/// may open only that account's exports.
public enum NBDClient: Sendable, Hashable, CustomStringConvertible {
    /// A plain connection on a loopback listener.
    case local
    /// A TLS connection whose client certificate names this 12-digit account id.
    case account(String)

    public var description: String {
        switch self {
        case .local: "local"
        case .account(let id): "account \(id)"
        }
    }
}

/// The exports of a server as the NBD listener sees them.
///
/// Invariant: `export(named:for:)` returns an export only if `client` may open it, and
/// `exportNames(for:)` lists exactly the exports `export(named:for:)` would return for `client`.
public protocol NBDExportCatalog: Sendable {
    /// The export called `name` if `client` may open it; nil if there is none or it is not the
    /// client's (the two are not told apart, so a client learns nothing of others' exports).
    func export(named name: String, for client: NBDClient) async throws -> NBDExport?

    /// The names of the exports `client` may open (`NBD_OPT_LIST`).
    func exportNames(for client: NBDClient) async throws -> [String]
}

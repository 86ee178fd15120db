/// A request the catalog refuses because of what is stored, which the service reports to the
/// client (as opposed to `SQLiteCatalogError`, a fault of this adapter). The method that throws
/// one has changed nothing.
public enum CatalogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The resource with this id would carry more than 50 tags (EC2's limit).
    case tagLimitExceeded(String)
    /// No snapshot, volume or instance with this id belongs to the owner.
    case resourceNotFound(String)
    /// No account has this id.
    case accountNotFound(String)

    public var description: String {
        switch self {
        case .tagLimitExceeded(let id): "resource \(id) would have more than 50 tags"
        case .resourceNotFound(let id): "no resource \(id) for this owner"
        case .accountNotFound(let id): "no account \(id)"
        }
    }
}

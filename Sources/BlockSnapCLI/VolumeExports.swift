import BlockEngine
import BlockSnapCore
import NBDServer

/// The volumes of the catalog as NBD exports: a volume is an export named by its id while it
/// is `available` or `in-use`. A plain (loopback) client may open every account's volumes; a
/// TLS client only those of the account its certificate names.
struct VolumeExports: NBDExportCatalog {
    let catalog: any ComputeCatalog & Catalog

    func export(named name: String, for client: NBDClient) async throws -> NBDExport? {
        guard name.hasPrefix("vol-"), let volume = try await catalog.volume(id: name), Self.isExported(volume),
            Self.may(client, open: volume)
        else { return nil }
        return NBDExport(volumeId: volume.id, size: volume.sizeGiB * BlockGeometry.bytesPerGiB, writable: true)
    }

    func exportNames(for client: NBDClient) async throws -> [String] {
        let owners: [String] =
            switch client {
            case .local: try await catalog.accounts().map(\.id)
            case .account(let id): [id]
            }
        var names: [String] = []
        for owner in owners {
            names += try await catalog.volumes(ownerId: owner, ids: nil).filter(Self.isExported).map(\.id)
        }
        return names.sorted()
    }

    private static func isExported(_ volume: VolumeRecord) -> Bool {
        volume.state == .available || volume.state == .inUse
    }

    private static func may(_ client: NBDClient, open volume: VolumeRecord) -> Bool {
        switch client {
        case .local: true
        case .account(let id): volume.ownerId == id
        }
    }
}

import BlockSnapCore
import Foundation
import GRDB

/// One row of `instances` (tags live in `resource_tags`); decoded by hand, like `SnapshotRow`.
struct InstanceRow: Encodable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "instances"
    static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    var id: String
    var ownerId: String
    var reservationId: String
    var imageId: String
    var instanceType: String
    var state: String
    var launchTime: Int64
    var availabilityZone: String
    var rootDeviceName: String
    var clientToken: String?

    init(_ instance: InstanceRecord) {
        id = instance.id
        ownerId = instance.ownerId
        reservationId = instance.reservationId
        imageId = instance.imageId
        instanceType = instance.instanceType
        state = instance.state.rawValue
        launchTime = Milliseconds.from(instance.launchTime)
        availabilityZone = instance.availabilityZone
        rootDeviceName = instance.rootDeviceName
        clientToken = instance.clientToken
    }

    init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        ownerId = try row.decode(forColumn: "owner_id")
        reservationId = try row.decode(forColumn: "reservation_id")
        imageId = try row.decode(forColumn: "image_id")
        instanceType = try row.decode(forColumn: "instance_type")
        state = try row.decode(forColumn: "state")
        launchTime = try row.decode(forColumn: "launch_time")
        availabilityZone = try row.decode(forColumn: "availability_zone")
        rootDeviceName = try row.decode(forColumn: "root_device_name")
        clientToken = try row.decode(forColumn: "client_token")
    }

    /// The domain record, with `tags` in their stored order.
    func record(tags: [Tag]) throws -> InstanceRecord {
        guard let state = InstanceState(rawValue: state) else {
            throw SQLiteCatalogError(.corruptRow, "instance \(id) has unknown state '\(state)'")
        }
        return InstanceRecord(
            id: id, ownerId: ownerId, reservationId: reservationId, imageId: imageId, instanceType: instanceType,
            state: state, launchTime: Milliseconds.date(launchTime), availabilityZone: availabilityZone,
            rootDeviceName: rootDeviceName, tags: tags, clientToken: clientToken)
    }
}

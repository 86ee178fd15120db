import Testing

@testable import AWSWire

/// Facts of the generated schema that clients notice.
@Suite struct EC2SchemaTests {
    let schema = EC2Schema.ec2

    private func member(_ shape: String, _ name: String) -> EC2Member? {
        guard case .structure(let members) = schema.shapes[shape] else { return nil }
        return members.first { $0.name == name }
    }

    @Test func everyReferencedShapeIsDefined() {
        #expect(schema.danglingReferences == [])
        #expect(schema.operations.count == 22)
        #expect(schema.apiVersion == "2016-11-15")
        #expect(schema.xmlNamespace == "http://ec2.amazonaws.com/doc/2016-11-15/")
    }

    @Test func snapshotStateIsStatusButSnapshotInfoStateIsState() {
        #expect(member("Snapshot", "State")?.xml == "status")
        #expect(member("SnapshotInfo", "State")?.xml == "state")
        #expect(member("Snapshot", "Tags")?.xml == "tagSet")
        #expect(member("CreateSnapshotsResult", "Snapshots")?.xml == "snapshotSet")
    }

    @Test func requestNamesFollowTheEC2Serializer() {
        #expect(member("DescribeSnapshotsRequest", "Filters")?.query == "Filter")
        #expect(member("DescribeSnapshotsRequest", "OwnerIds")?.query == "Owner")
        #expect(member("DescribeSnapshotsRequest", "RestorableByUserIds")?.query == "RestorableBy")
        #expect(member("CreateSnapshotRequest", "DryRun")?.query == "DryRun")
        #expect(member("InstanceSpecification", "ExcludeDataVolumeIds")?.query == "ExcludeDataVolumeId")
        #expect(member("InstanceNetworkInterfaceSpecification", "Ipv6Addresses")?.query == "Ipv6Addresses")
        #expect(member("RunInstancesRequest", "BlockDeviceMappings")?.query == "BlockDeviceMapping")
    }

    @Test func operationsWithoutOutputAndRequiredMembers() {
        #expect(schema.operations["DeleteSnapshot"] == EC2Operation(input: "DeleteSnapshotRequest", output: nil))
        #expect(schema.operations["CreateSnapshot"] == EC2Operation(input: "CreateSnapshotRequest", output: "Snapshot"))
        #expect(member("CreateSnapshotRequest", "VolumeId")?.isRequired == true)
        #expect(member("CreateSnapshotRequest", "Description")?.isRequired == false)
        #expect(schema.shapes["TagList"] == .list(member: "Tag", item: "item"))
        #expect(schema.shapes["SnapshotCompletionDurationMinutesRequest"] == .integer(min: 1, max: 2880))
        #expect(schema.shapes["DateTime"] == .timestamp)
    }
}

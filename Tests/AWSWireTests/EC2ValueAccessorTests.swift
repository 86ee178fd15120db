import Foundation
import Testing

@testable import AWSWire

@Suite struct EC2ValueAccessorTests {
    let input: EC2Value = [
        "VolumeId": "vol-1", "Size": 8, "DryRun": false, "Filters": [["Name": "status", "Values": ["a", "b"]]],
        "Spec": ["InstanceId": "i-1"], "When": .timestamp(Date(timeIntervalSince1970: 0)),
    ]

    @Test func presentMembersOfTheirType() throws {
        #expect(try input.requiredString("VolumeId") == "vol-1")
        #expect(try input.requiredInt("Size") == 8)
        #expect(try input.bool("DryRun") == false)
        #expect(try input.date("When") == Date(timeIntervalSince1970: 0))
        #expect(try input.list("Filters")[0].strings("Values") == ["a", "b"])
        #expect(try input.requiredStructure("Spec").string("InstanceId") == "i-1")
        #expect(input["Size"]?.double == 8)
    }

    @Test func absentMembers() throws {
        #expect(try input.string("Description") == nil)
        #expect(try input.list("Tags") == [])
        #expect(try input.strings("OwnerIds") == [])
        #expect(throws: EC2WireError.missingParameter("SnapshotId")) { try input.requiredString("SnapshotId") }
        #expect(throws: EC2WireError.missingParameter("Iops")) { try input.requiredInt("Iops") }
        #expect(input["VolumeId"]?["Anything"] == nil)
    }

    @Test func membersOfAnotherType() {
        #expect(
            throws: EC2WireError.invalidParameterValue("vol-1", parameter: "VolumeId", reason: "Expected an integer.")
        ) {
            try input.int("VolumeId")
        }
        #expect(
            throws: EC2WireError.invalidParameterValue("8", parameter: "Size", reason: "Expected 'true' or 'false'.")
        ) {
            try input.bool("Size")
        }
        #expect(throws: EC2WireError.self) { try input.strings("Filters") }
        #expect(throws: EC2WireError.self) { try input.list("Spec") }
    }

    @Test func objectLeavesOutNilMembers() {
        let description: String? = nil
        let value = EC2Value.object(["SnapshotId": "snap-1", "Description": description.map(EC2Value.string)])
        #expect(value == ["SnapshotId": "snap-1"])
    }
}

import Foundation
import Testing

@testable import AWSWire

@Suite struct EC2QueryDecoderTests {
    @Test func decodesTheGETQueryOfSeed001() throws {
        let (action, input) = try decodeEC2(
            "Action=CreateSnapshot&VolumeId=vol-1a2b3c4d&Description=Daily+Backup&Version=2016-11-15"
        )
        #expect(action == "CreateSnapshot")
        #expect(input == ["VolumeId": "vol-1a2b3c4d", "Description": "Daily Backup"])
    }

    @Test func envelopeSetsAsideActionVersionAndSigV4QueryParameters() throws {
        let envelope = try EC2QueryEnvelope(
            formEncoded: "Action=DeleteVolume&Version=2016-11-15&X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKID%2F20261125%2Fus-east-1%2Fec2%2Faws4_request&x-amz-signature=ab&VolumeId=vol-1"
        )
        #expect(envelope.action == "DeleteVolume")
        #expect(envelope.version == "2016-11-15")
        #expect(envelope.parameters == [EC2QueryParameter(name: "VolumeId", value: "vol-1")])
    }

    @Test func envelopeFromDecodedPairs() {
        let envelope = EC2QueryEnvelope(parameters: [("Version", "2016-11-15"), ("SnapshotId", "snap-1")])
        #expect(envelope.action == nil)
        #expect(throws: EC2WireError.missingAction) { try envelope.requireAction() }
        #expect(envelope.parameters.map(\.name) == ["SnapshotId"])
    }

    @Test func listIndexesAreSortedAndMayHaveGaps() throws {
        let input = try decodeEC2(
            "Action=DescribeSnapshots&SnapshotId.10=snap-c&SnapshotId.2=snap-b&SnapshotId.1=snap-a"
                + "&Filter.7.Name=volume-id&Filter.7.Value.3=vol-2&Filter.7.Value.1=vol-1&Filter.3.Name=status"
        ).input
        #expect(try input.strings("SnapshotIds") == ["snap-a", "snap-b", "snap-c"])
        #expect(
            input["Filters"]
                == [["Name": "status"], ["Name": "volume-id", "Values": ["vol-1", "vol-2"]]]
        )
    }

    @Test func nestedStructuresAndListsInsideStructures() throws {
        let input = try decodeEC2(
            "Action=CreateSnapshots&InstanceSpecification.InstanceId=i-1"
                + "&InstanceSpecification.ExcludeDataVolumeId.1=vol-9&InstanceSpecification.ExcludeBootVolume=false"
        ).input
        #expect(
            input == [
                "InstanceSpecification": [
                    "InstanceId": "i-1", "ExcludeBootVolume": false, "ExcludeDataVolumeIds": ["vol-9"],
                ]
            ]
        )
    }

    @Test func listsOfStructuresInsideStructures() throws {
        let input = try decodeEC2(
            "Action=ModifySnapshotAttribute&SnapshotId=snap-1&Attribute=createVolumePermission"
                + "&CreateVolumePermission.Add.1.UserId=111122223333&CreateVolumePermission.Remove.1.Group=all"
                + "&UserId.1=444455556666&OperationType=add"
        ).input
        #expect(input["CreateVolumePermission"]?["Add"] == [["UserId": "111122223333"]])
        #expect(input["CreateVolumePermission"]?["Remove"] == [["Group": "all"]])
        #expect(try input.strings("UserIds") == ["444455556666"])
        #expect(input["OperationType"] == "add")
    }

    @Test func aRepeatedNameKeepsItsFirstValue() throws {
        let input = try decodeEC2("Action=DeleteVolume&VolumeId=vol-1&VolumeId=vol-2").input
        #expect(input == ["VolumeId": "vol-1"])
    }

    @Test func anEmptyListParameterIsAnEmptyList() throws {
        let input = try decodeEC2("Action=DescribeVolumes&VolumeId=").input
        #expect(input == ["VolumeIds": .list([])])
    }

    @Test func emptyStringsAndCaseInsensitiveBooleans() throws {
        let input = try decodeEC2("Action=CreateSnapshot&VolumeId=vol-1&Description=&DryRun=TRUE").input
        #expect(input == ["VolumeId": "vol-1", "Description": "", "DryRun": true])
    }

    @Test func integersAndLongs() throws {
        let input = try decodeEC2("Action=CreateVolume&Size=-0&Iops=%2B3000&Throughput=2147483647").input
        #expect(input == ["Size": 0, "Iops": 3000, "Throughput": 2_147_483_647])
    }

    @Test func anOperationWithoutInputTakesNoParameters() throws {
        let schema = EC2Schema(
            apiVersion: "2016-11-15",
            xmlNamespace: "urn:test/",
            operations: ["Ping": EC2Operation(input: nil, output: nil)],
            shapes: [:]
        )
        let decoder = EC2QueryDecoder(schema: schema)
        #expect(try decoder.decode(action: "Ping", parameters: []) == [:])
        #expect(throws: EC2WireError.unknownParameter("Foo")) {
            try decoder.decode(action: "Ping", parameters: [EC2QueryParameter(name: "Foo", value: "1")])
        }
    }

    @Test func timestampsDoublesAndBlobsThroughASmallSchema() throws {
        let decoder = EC2QueryDecoder(schema: testSchema)
        let input = try decoder.decode(
            [("When", "2026-11-25T14:37:25.5+01:00"), ("Ratio", "0.25"), ("Data", "AAEC")],
            shape: "Input"
        )
        #expect(input["When"]?.date == Date(timeIntervalSince1970: 1_795_613_845.5))
        #expect(input["Ratio"] == 0.25)
        #expect(input["Data"]?.blob == Data([0, 1, 2]))
    }
}

/// A schema with the scalar kinds the EC2 operations blocksnap serves do not use.
let testSchema = EC2Schema(
    apiVersion: "2016-11-15",
    xmlNamespace: "urn:test/",
    operations: ["Probe": EC2Operation(input: "Input", output: "Input")],
    shapes: [
        "Input": .structure([
            EC2Member("When", shape: "Time", query: "When", xml: "when"),
            EC2Member("Ratio", shape: "Ratio", query: "Ratio", xml: "ratio"),
            EC2Member("Data", shape: "Bytes", query: "Data", xml: "data"),
            EC2Member("Name", shape: "Name", query: "Name", xml: "name"),
            EC2Member("Names", shape: "Names", query: "Label", xml: "nameSet"),
        ]),
        "Time": .timestamp,
        "Ratio": .double(min: 0, max: 1),
        "Bytes": .blob,
        "Name": .string(min: 2, max: 4),
        "Names": .list(member: "Name", item: "item", min: 1, max: 2),
    ]
)

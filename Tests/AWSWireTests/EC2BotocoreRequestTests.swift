import Testing

@testable import AWSWire

/// Requests exactly as botocore's EC2 serializer puts them on the wire decode to the
/// parameters the boto3 user passed.
@Suite struct EC2BotocoreRequestTests {
    @Test(arguments: botocoreRequests)
    func decodesToTheCallersParameters(_ fixture: BotocoreRequestFixture) throws {
        let envelope = try EC2QueryEnvelope(formEncoded: fixture.body)
        #expect(envelope.action == fixture.action)
        #expect(envelope.version == "2016-11-15")
        let input = try EC2QueryDecoder().decode(action: fixture.action, parameters: envelope.parameters)
        #expect(input == fixture.input)
    }

    @Test func nestedNamesReachTheirMembers() throws {
        let fixture = try #require(botocoreRequests.first { $0.name == "describeSnapshotsFiltered" })
        let input = try decodeEC2(fixture.body).input
        let filters = try input.list("Filters")
        #expect(try filters.map { try $0.requiredString("Name") } == ["status", "tag:team"])
        #expect(try filters[0].strings("Values") == ["pending", "completed"])
        #expect(try input.strings("OwnerIds") == ["self", "111122223333"])
        #expect(try input.int("MaxResults") == 5)
        #expect(try input.string("NextToken") == "eyJvZmZzZXQiOjV9+/=")
    }

    @Test func blockDeviceMappingsKeepTheirEbsSettings() throws {
        let fixture = try #require(botocoreRequests.first { $0.name == "runInstancesWithMappings" })
        let mappings = try decodeEC2(fixture.body).input.list("BlockDeviceMappings")
        #expect(mappings.count == 2)
        let root = try mappings[0].requiredStructure("Ebs")
        #expect(try root.int("VolumeSize") == 8)
        #expect(try root.bool("DeleteOnTermination") == true)
        #expect(try mappings[1].requiredStructure("Ebs").bool("Encrypted") == false)
    }

    @Test func formEncodingDecodesPlusAsSpaceAndEscapedPlusAsPlus() throws {
        let fixture = try #require(botocoreRequests.first { $0.name == "createSnapshotWithTags" })
        let input = try decodeEC2(fixture.body).input
        #expect(try input.string("Description") == "Daily Backup & <more> = 100% ✓")
        let tags = try input.list("TagSpecifications")[0].list("Tags")
        #expect(try tags[1].string("Value") == "storage+ops")
    }
}

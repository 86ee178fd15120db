import Testing

@testable import AWSWire

/// Client mistakes get EC2's codes and messages, naming the parameter as sent.
@Suite struct EC2QueryDecoderErrorTests {
    @Test(arguments: [
        ("Action=DeleteVolume&VolumeId=vol-1&Force=true", "Force"),
        ("Action=DescribeSnapshots&Filter.1.Nme=status", "Filter.1.Nme"),
        ("Action=DescribeSnapshots&Filters.1.Name=status", "Filters.1.Name"),
        ("Action=DescribeSnapshots&SnapshotId.x=snap-1", "SnapshotId.x"),
        ("Action=DescribeSnapshots&SnapshotId.-1=snap-1", "SnapshotId.-1"),
        ("Action=DescribeSnapshots&SnapshotId=snap-1", "SnapshotId"),
        ("Action=CreateSnapshot&VolumeId.1=vol-1", "VolumeId.1"),
        ("Action=CreateSnapshots&InstanceSpecification=i-1", "InstanceSpecification"),
        ("Action=DescribeSnapshots&Filter..Name=status", "Filter..Name"),
        ("Action=DescribeSnapshots&Filter.1.Name.=status", "Filter.1.Name."),
        ("Action=CreateSnapshot&volumeId=vol-1", "volumeId"),
        ("Action=DescribeSnapshots&Filter.1.Value.1.Extra=x", "Filter.1.Value.1.Extra"),
    ])
    func unknownParameters(_ query: String, _ name: String) {
        #expect(
            ec2Error(query)
                == EC2WireError(code: "UnknownParameter", message: "The parameter \(name) is not recognized"))
    }

    @Test func namesDeeperThanTheLimitAreUnknown() {
        let name = Array(repeating: "A", count: 40).joined(separator: ".")
        #expect(ec2Error("Action=DeleteVolume&\(name)=1")?.message == "The parameter \(name) is not recognized")
    }

    @Test(arguments: [
        ("Action=DescribeSnapshots&MaxResults=abc", "abc", "MaxResults", "Expected an integer."),
        ("Action=DescribeSnapshots&MaxResults=", "", "MaxResults", "Expected an integer."),
        ("Action=DescribeSnapshots&MaxResults=2147483648", "2147483648", "MaxResults", "Expected an integer."),
        ("Action=DescribeSnapshots&MaxResults=1.5", "1.5", "MaxResults", "Expected an integer."),
        ("Action=DescribeSnapshots&DryRun=yes", "yes", "DryRun", "Expected 'true' or 'false'."),
        ("Action=DescribeSnapshots&DryRun=1", "1", "DryRun", "Expected 'true' or 'false'."),
        (
            "Action=RunInstances&MinCount=1&MaxCount=1&BlockDeviceMapping.1.Ebs.VolumeSize=big",
            "big", "BlockDeviceMapping.1.Ebs.VolumeSize", "Expected an integer."
        ),
        (
            "Action=CreateVolume&VolumeType=gp9", "gp9", "VolumeType",
            "Valid values are: standard, io1, io2, gp2, sc1, st1, gp3."
        ),
        (
            "Action=CopySnapshot&SourceRegion=r&SourceSnapshotId=snap-1&CompletionDurationMinutes=0",
            "0", "CompletionDurationMinutes", "It must be at least 1."
        ),
        (
            "Action=CopySnapshot&SourceRegion=r&SourceSnapshotId=snap-1&CompletionDurationMinutes=2881",
            "2881", "CompletionDurationMinutes", "It must be at most 2880."
        ),
    ])
    func invalidValues(_ query: String, _ value: String, _ parameter: String, _ reason: String) {
        #expect(ec2Error(query) == .invalidParameterValue(value, parameter: parameter, reason: reason))
        #expect(ec2Error(query)?.message == "Value (\(value)) for parameter \(parameter) is invalid. \(reason)")
    }

    @Test func longEnumsAreCountedNotListed() throws {
        let error = try #require(ec2Error("Action=RunInstances&MinCount=1&MaxCount=1&InstanceType=m9.huge"))
        #expect(error.code == "InvalidParameterValue")
        #expect(error.message.hasPrefix("Value (m9.huge) for parameter InstanceType is invalid. It is not one of the "))
    }

    @Test func scalarBoundsAndTypesOfTheSmallSchema() {
        let decoder = EC2QueryDecoder(schema: testSchema)
        func error(_ name: String, _ value: String) -> EC2WireError? {
            do throws(EC2WireError) {
                _ = try decoder.decode([(name, value)], shape: "Input")
                return nil
            } catch {
                return error
            }
        }
        #expect(error("When", "2026-02-30T00:00:00Z")?.message.contains("Expected an ISO 8601 timestamp") == true)
        #expect(error("When", "yesterday")?.code == "InvalidParameterValue")
        #expect(error("Ratio", "1.5")?.message == "Value (1.5) for parameter Ratio is invalid. It must be at most 1.0.")
        #expect(error("Ratio", "nan")?.message == "Value (nan) for parameter Ratio is invalid. Expected a number.")
        #expect(error("Data", "not base64!")?.message.hasSuffix("Expected base64-encoded data.") == true)
        #expect(error("Name", "x")?.message.hasSuffix("It must be at least 2 characters long.") == true)
        #expect(error("Name", "abcde")?.message.hasSuffix("It must be at most 4 characters long.") == true)
        #expect(error("Label.1", "abc") == nil)
        #expect(error("Label", "")?.message == "Value (0 items) for parameter Label is invalid. Give at least 1.")
    }

    @Test(arguments: [
        ("Action=CreateSnapshot", "VolumeId"),
        ("Action=CreateSnapshot&Description=x", "VolumeId"),
        ("Action=CreateSnapshots&InstanceSpecification.ExcludeBootVolume=true", "InstanceSpecification.InstanceId"),
        ("Action=CreateSnapshots&Description=x", "InstanceSpecification"),
        ("Action=RunInstances&MaxCount=1", "MinCount"),
        ("Action=RunInstances&MinCount=1&MaxCount=1&ElasticGpuSpecification.2=", "ElasticGpuSpecification.2.Type"),
        ("Action=AttachVolume&VolumeId=vol-1&InstanceId=i-1", "Device"),
    ])
    func missingParameters(_ query: String, _ name: String) {
        #expect(
            ec2Error(query)
                == EC2WireError(code: "MissingParameter", message: "The request must contain the parameter \(name)")
        )
    }

    @Test func aRequiredMemberMayBeEmpty() throws {
        let input = try decodeEC2("Action=RunInstances&MinCount=1&MaxCount=1&ElasticGpuSpecification.2.Type=").input
        #expect(input["ElasticGpuSpecification"] == [["Type": ""]])
    }

    @Test func unknownAndMissingActions() {
        #expect(
            ec2Error("Action=DescribeImages")
                == EC2WireError(
                    code: "InvalidAction", message: "The action DescribeImages is not valid for this web service."))
        #expect(ec2Error("VolumeId=vol-1")?.code == "MissingAction")
        #expect(ec2Error("Action=&VolumeId=vol-1")?.code == "MissingAction")
    }

    @Test(arguments: ["Action=DeleteVolume&VolumeId=%zz", "Action=DeleteVolume&VolumeId=%4", "Action%ff=x"])
    func malformedEncodingIsRefused(_ query: String) {
        #expect(ec2Error(query)?.code == "MalformedQueryString")
    }
}

import Foundation
import Testing

@testable import AWSWire

@Suite struct EC2XMLEncoderTests {
    @Test(arguments: botocoreResponses)
    func rendersTheGoldenXMLBotocoreParses(_ fixture: BotocoreResponseFixture) throws {
        let xml = try EC2XMLEncoder().encode(
            action: fixture.action, output: fixture.output, requestId: fixture.requestId)
        #expect(xml == fixture.xml)
    }

    @Test(arguments: botocoreErrors)
    func rendersTheGoldenErrorXML(_ fixture: BotocoreErrorFixture) {
        let error = EC2WireError(code: fixture.code, message: fixture.message)
        #expect(EC2ErrorXML.render(error, requestId: fixture.requestId) == fixture.xml)
    }

    /// The `CreateSnapshotResponse` of seed 001 (AWS's documentation example), element by
    /// element: the same elements with the same text, in today's namespace.
    @Test func createSnapshotMatchesSeed001ElementByElement() throws {
        let seed = """
            <CreateSnapshotResponse xmlns="http://ec2.amazonaws.com/doc/2013-02-01/"> \
            <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId> <snapshotId>snap-1a2b3c4d</snapshotId> \
            <volumeId>vol-1a2b3c4d</volumeId> <status>pending</status> <startTime>YYYY-MM-DDTHH:MM:SS.000Z</startTime> \
            <progress>60%</progress> <ownerId>111122223333</ownerId> <volumeSize>30</volumeSize> \
            <description>Daily Backup</description> </CreateSnapshotResponse>
            """
        let output: EC2Value = [
            "SnapshotId": "snap-1a2b3c4d", "VolumeId": "vol-1a2b3c4d", "State": "pending",
            "StartTime": .timestamp(Date(timeIntervalSince1970: 1_795_617_445)), "Progress": "60%",
            "OwnerId": "111122223333", "VolumeSize": 30, "Description": "Daily Backup",
        ]
        let xml = try EC2XMLEncoder().encode(
            action: "CreateSnapshot", output: output, requestId: "59dbff89-35bd-4eac-99ed-be587EXAMPLE")
        #expect(xml.hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?>"# + "\n<CreateSnapshotResponse "))
        #expect(xml.contains(#"xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">"#))
        let expected = flatElements(seed)
        let actual = flatElements(xml)
        #expect(actual.map(\.name).sorted() == expected.map(\.name).sorted())
        for (name, text) in expected where name != "startTime" {
            #expect(actual.first { $0.name == name }?.text == text, "element \(name)")
        }
        #expect(actual.first { $0.name == "startTime" }?.text == "2026-11-25T14:37:25.000Z")
        #expect(actual.first?.name == "requestId")
    }

    @Test func snapshotInfoCarriesStateWhereSnapshotCarriesStatus() throws {
        let item: EC2Value = ["SnapshotId": "snap-1", "State": "pending"]
        let many = try EC2XMLEncoder().encode(action: "CreateSnapshots", output: ["Snapshots": [item]], requestId: "r")
        let one = try EC2XMLEncoder().encode(action: "CreateSnapshot", output: item, requestId: "r")
        #expect(
            many.contains(
                "<snapshotSet><item><state>pending</state><snapshotId>snap-1</snapshotId></item></snapshotSet>"))
        #expect(one.contains("<snapshotId>snap-1</snapshotId><status>pending</status>"))
    }

    @Test func renderedFragmentsAreWrittenExactlyAsTheValuesTheyCameFrom() throws {
        let encoder = EC2XMLEncoder()
        let snapshots: [EC2Value] = (0..<3).map { n in
            [
                "SnapshotId": .string("snap-0000000000000000\(n)"), "State": "completed", "VolumeSize": .integer(n + 1),
                "Description": "a <b> & \"c\"", "StartTime": .timestamp(Date(timeIntervalSince1970: 1_795_617_445)),
                "Tags": .list([["Key": "k", "Value": .string("v\(n)")]]),
            ]
        }
        let plain = try encoder.encode(
            action: "DescribeSnapshots", output: ["Snapshots": .list(snapshots), "NextToken": "t"], requestId: "r")
        let fragments = try snapshots.map { EC2Value.fragment(try encoder.fragment(of: $0, shape: "Snapshot")) }
        let spliced = try encoder.encode(
            action: "DescribeSnapshots", output: ["Snapshots": .list(fragments), "NextToken": "t"], requestId: "r")
        #expect(spliced == plain)
        #expect(plain.contains("<description>a &lt;b&gt; &amp; "))
        // A fragment is written only where its shape is expected.
        let volume = EC2Value.fragment(try encoder.fragment(of: ["VolumeId": "vol-1"], shape: "Volume"))
        #expect(throws: EC2EncodingError.self) {
            try encoder.encode(action: "DescribeSnapshots", output: ["Snapshots": .list([volume])], requestId: "r")
        }
        #expect(throws: EC2EncodingError.self) { try encoder.fragment(of: ["NoSuchMember": "x"], shape: "Snapshot") }
        #expect(throws: EC2EncodingError.self) { try encoder.fragment(of: [:], shape: "NoSuchShape") }
    }

    @Test func anOperationWithoutOutputAnswersReturnTrue() throws {
        let xml = try EC2XMLEncoder().encode(action: "CreateTags", output: nil, requestId: "r-1")
        #expect(
            xml == #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
                + #"<CreateTagsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId>"#
                + "<return>true</return></CreateTagsResponse>"
        )
    }

    @Test func textIsEscapedAndCarriageReturnsSurvive() throws {
        let xml = try EC2XMLEncoder().encode(
            action: "CreateSnapshot", output: ["Description": "a<b>&c\r\nd\t\u{1}e'\"f"], requestId: "<id>")
        #expect(xml.contains("<requestId>&lt;id&gt;</requestId>"))
        #expect(xml.contains("<description>a&lt;b&gt;&amp;c&#13;\nd\t\u{FFFD}e'\"f</description>"))
    }

    @Test func otherScalarKindsThroughASmallSchema() throws {
        let output: EC2Value = [
            "When": .timestamp(Date(timeIntervalSince1970: -0.001)), "Ratio": 0.25, "Data": .blob(Data([0, 1, 2])),
            "Names": ["ab"],
        ]
        let xml = try EC2XMLEncoder(schema: testSchema).encode(action: "Probe", output: output, requestId: "r")
        #expect(
            xml.hasSuffix(
                "<when>1969-12-31T23:59:59.999Z</when><ratio>0.25</ratio><data>AAEC</data>"
                    + "<nameSet><item>ab</item></nameSet></ProbeResponse>")
        )
    }

    @Test func treesThatDoNotFitTheShapeAreServerBugs() {
        let encoder = EC2XMLEncoder()
        #expect(throws: EC2EncodingError.self) {
            try encoder.encode(action: "CreateSnapshot", output: ["VolumeSize": "30"], requestId: "r")
        }
        #expect(throws: EC2EncodingError.self) {
            try encoder.encode(action: "CreateSnapshot", output: ["Status": "pending"], requestId: "r")
        }
        #expect(throws: EC2EncodingError.self) {
            try encoder.encode(action: "DescribeSnapshots", output: ["Snapshots": ["snap-1"]], requestId: "r")
        }
        #expect(throws: EC2EncodingError.self) {
            try encoder.encode(action: "CreateSnapshot", output: ["Tags": ["Key": "a"]], requestId: "r")
        }
        #expect(throws: EC2EncodingError.self) {
            try encoder.encode(action: "DeleteSnapshot", output: [:], requestId: "r")
        }
        #expect(throws: EC2EncodingError.self) {
            try encoder.encode(action: "DescribeImages", output: nil, requestId: "r")
        }
        #expect(throws: EC2EncodingError.self) {
            try encoder.encode(action: "CreateSnapshot", output: ["SnapshotId": .list([])], requestId: "r")
        }
    }

    @Test func encodingErrorsSayWhereTheTreeWentWrong() {
        do {
            _ = try EC2XMLEncoder().encode(
                action: "DescribeSnapshots", output: ["Snapshots": [["SnapshotId": "snap-1"], "snap-2"]],
                requestId: "r")
            Issue.record("a string where a Snapshot belongs must not encode")
        } catch {
            #expect(error.description.hasSuffix(".Snapshots[1]: expected a structure for Snapshot, got a string"))
        }
    }

    @Test func charactersAroundTheEscapedOnesPassThrough() throws {
        // U+FF71 and U+FFFD start with the byte 0xEF, like U+FFFE and U+FFFF, which are replaced.
        let output: EC2Value = ["SnapshotId": "snap-1", "Description": "\u{FF71}\u{FFFE}x\u{FFFF}\u{FFFD}é"]
        let xml = try EC2XMLEncoder().encode(action: "CreateSnapshot", output: output, requestId: "r")
        #expect(xml.contains("<description>\u{FF71}\u{FFFD}x\u{FFFD}\u{FFFD}é</description>"))
    }

    @Test func anAbsentOutputIsAnEmptyStructure() throws {
        let xml = try EC2XMLEncoder().encode(action: "DescribeTags", output: nil, requestId: "r")
        #expect(xml.hasSuffix("<requestId>r</requestId></DescribeTagsResponse>"))
    }

    /// The name and text of each leaf element of a flat document, in order.
    private func flatElements(_ xml: String) -> [(name: String, text: String)] {
        let pattern = /<([A-Za-z]+)>([^<]*)<\/\1>/
        return xml.matches(of: pattern).map { (String($0.output.1), String($0.output.2)) }
    }
}

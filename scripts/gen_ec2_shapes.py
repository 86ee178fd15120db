#!/usr/bin/env python3
"""Generate the EC2 Query protocol schema (and its test fixtures) from botocore's `ec2` model.

1. Sources/AWSWire/EC2/Generated/EC2Shapes.swift (always): the operations listed in
   OPERATIONS below and every shape reachable from their inputs and outputs, as Swift
   literals. Wire names come from botocore itself, so they follow its EC2 rules exactly:
   the request name is `EC2Serializer._get_serialized_name` (queryName, else locationName
   with its first letter upper-cased, else the member name) and the response element name
   is `BaseXMLResponseParser._member_key_name` (locationName, else the member name).

2. Tests/AWSWireTests/Fixtures/EC2BotocoreFixtures.swift (with --fixtures): requests
   serialized by botocore's EC2 serializer, as the urlencoded bodies a client sends, and
   golden XML responses that this script first parses with botocore's EC2QueryParser and
   checks against what a boto3 user would get back.

Both files are deterministic: shapes and operations are sorted by name, members keep the
model's order. Run again after adding an operation or upgrading botocore:

    python3 scripts/gen_ec2_shapes.py [--model PATH/service-2.json.gz] [--fixtures]
"""

import argparse
import datetime
import gzip
import json
import os
import subprocess
import tempfile
import xml.sax.saxutils

import botocore
import botocore.awsrequest
import botocore.model
import botocore.parsers
import botocore.serialize

# The EC2 operations blocksnap serves. Add an operation here and run the script again.
OPERATIONS = [
    "CreateSnapshot",
    "CreateSnapshots",
    "DescribeSnapshots",
    "DeleteSnapshot",
    "CopySnapshot",
    "ModifySnapshotAttribute",
    "DescribeSnapshotAttribute",
    "ResetSnapshotAttribute",
    "CreateVolume",
    "DescribeVolumes",
    "DeleteVolume",
    "AttachVolume",
    "DetachVolume",
    "ModifyVolume",
    "RunInstances",
    "DescribeInstances",
    "TerminateInstances",
    "StopInstances",
    "StartInstances",
    "CreateTags",
    "DeleteTags",
    "DescribeTags",
]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHAPES_OUT = os.path.join(ROOT, "Sources", "AWSWire", "EC2", "Generated", "EC2Shapes.swift")
FIXTURES_OUT = os.path.join(ROOT, "Tests", "AWSWireTests", "Fixtures", "EC2BotocoreFixtures.swift")
DEFAULT_MODEL = os.path.join(
    os.path.dirname(botocore.__file__), "data", "ec2", "2016-11-15", "service-2.json.gz"
)

# Traits this codec does not implement; the generator stops rather than emit a wrong schema.
UNSUPPORTED_TRAITS = ("flattened", "xmlAttribute", "xmlNamespace", "location", "eventstream")


def load_model(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return botocore.model.ServiceModel(json.load(handle), service_name="ec2")


def swift_string(text):
    """A Swift string literal for `text`."""
    out = ['"']
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def swift_number(value):
    if isinstance(value, bool):
        raise SystemExit(f"unexpected boolean bound {value!r}")
    return repr(value)


def wrapped(literals, indent="            ", width=110):
    """Comma-separated literals packed into lines of at most `width` characters."""
    lines, line = [], indent
    for literal in literals:
        if line != indent and len(line) + len(literal) + 2 > width:
            lines.append(line.rstrip())
            line = indent
        line += literal + ", "
    if line != indent:
        lines.append(line.rstrip())
    return lines


def check_supported(shape, where):
    for trait in UNSUPPORTED_TRAITS:
        if shape.serialization.get(trait):
            raise SystemExit(f"{where}: trait {trait!r} is not supported by the EC2 codec")


def reachable_shapes(service, operations):
    """Every shape (by name) reachable from the operations' inputs and outputs."""
    shapes = {}

    def visit(shape, where):
        check_supported(shape, where)
        if shape.name in shapes:
            return
        shapes[shape.name] = shape
        if shape.type_name == "structure":
            for member_name, member in shape.members.items():
                visit(member, f"{shape.name}.{member_name}")
        elif shape.type_name == "list":
            visit(shape.member, f"{shape.name}.member")

    for name in operations:
        operation = service.operation_model(name)
        for shape in (operation.input_shape, operation.output_shape):
            if shape is not None:
                visit(shape, name)
    return shapes


def bounds(shape, number=int):
    parts = []
    for key in ("min", "max"):
        if key in shape.metadata:
            parts.append(f"{key}: {swift_number(number(shape.metadata[key]))}")
    return ", ".join(parts)


def render_member(serializer, parser, owner, member_name, member):
    query = serializer._get_serialized_name(member, member_name)
    xml = parser._member_key_name(member, member_name)
    required = member_name in owner.required_members
    args = [
        swift_string(member_name),
        f"shape: {swift_string(member.name)}",
        f"query: {swift_string(query)}",
        f"xml: {swift_string(xml)}",
    ]
    if required:
        args.append("required: true")
    return f"EC2Member({', '.join(args)})"


def render_shape(serializer, parser, shape):
    kind = shape.type_name
    if kind == "structure":
        members = [
            "            " + render_member(serializer, parser, shape, name, member) + ","
            for name, member in shape.members.items()
        ]
        if not members:
            return ".structure([])"
        return ".structure([\n" + "\n".join(members) + "\n        ])"
    if kind == "list":
        item = shape.member.serialization.get("name", "item")
        extra = bounds(shape)
        extra = f", {extra}" if extra else ""
        return f".list(member: {swift_string(shape.member.name)}, item: {swift_string(item)}{extra})"
    if kind == "string" and shape.enum:
        literals = [swift_string(v) for v in shape.enum]
        if len(", ".join(literals)) <= 80:
            return ".enumeration([" + ", ".join(literals) + "])"
        return ".enumeration([\n" + "\n".join(wrapped(literals)) + "\n        ])"
    if kind in ("string", "integer", "long"):
        return f".{kind}({bounds(shape)})"
    if kind in ("double", "float"):
        return f".double({bounds(shape, float)})"
    if kind in ("boolean", "timestamp", "blob"):
        fmt = shape.serialization.get("timestampFormat")
        if fmt not in (None, "iso8601"):
            raise SystemExit(f"{shape.name}: timestampFormat {fmt!r} is not supported")
        return f".{kind}"
    raise SystemExit(f"{shape.name}: shape type {kind!r} is not supported")


def generate_shapes(service):
    serializer = botocore.serialize.EC2Serializer()
    parser = botocore.parsers.EC2QueryParser()
    shapes = reachable_shapes(service, OPERATIONS)
    api_version = service.metadata["apiVersion"]
    namespace = service.metadata["xmlNamespace"].rstrip("/") + "/"

    lines = [
        f"// Generated by scripts/gen_ec2_shapes.py from botocore {botocore.__version__}'s ec2 model"
        f" (API {api_version}); do not edit.",
        "// To serve another operation, add it to OPERATIONS in the script and run it again",
        "// (see docs/ec2-wire.md).",
        "",
        "extension EC2Schema {",
        f"    /// The EC2 API {api_version}: the {len(OPERATIONS)} operations blocksnap serves and the"
        f" {len(shapes)} shapes they reach.",
        "    public static let ec2 = EC2Schema(",
        f"        apiVersion: {swift_string(api_version)},",
        f"        xmlNamespace: {swift_string(namespace)},",
        "        operations: ec2Operations,",
        "        shapes: ec2Shapes",
        "    )",
        "",
        "    private static let ec2Operations: [String: EC2Operation] = [",
    ]
    for name in sorted(OPERATIONS):
        operation = service.operation_model(name)
        input_name = swift_string(operation.input_shape.name) if operation.input_shape else "nil"
        output_name = swift_string(operation.output_shape.name) if operation.output_shape else "nil"
        lines.append(f"        {swift_string(name)}: EC2Operation(input: {input_name}, output: {output_name}),")
    lines += ["    ]", "", "    private static let ec2Shapes: [String: EC2Shape] = ["]
    for name in sorted(shapes):
        lines.append(f"        {swift_string(name)}: {render_shape(serializer, parser, shapes[name])},")
    lines += ["    ]", "}", ""]
    return "\n".join(lines)


# --- Test fixtures (--fixtures) -------------------------------------------------------------

UTC = datetime.timezone.utc
ENDPOINT = "https://ec2.us-east-1.amazonaws.com"

# Requests as boto3 users write them; botocore serializes each one.
REQUESTS = [
    ("createSnapshotWithTags", "CreateSnapshot", {
        "VolumeId": "vol-1a2b3c4d",
        "Description": "Daily Backup & <more> = 100% ✓",
        "TagSpecifications": [{
            "ResourceType": "snapshot",
            "Tags": [{"Key": "Name", "Value": "nightly"}, {"Key": "team", "Value": "storage+ops"}],
        }],
        "DryRun": False,
    }),
    ("createSnapshotsOfInstance", "CreateSnapshots", {
        "InstanceSpecification": {
            "InstanceId": "i-1234567890abcdef0",
            "ExcludeBootVolume": True,
            "ExcludeDataVolumeIds": ["vol-0aaaaaaaaaaaaaaa1", "vol-0aaaaaaaaaaaaaaa2"],
        },
        "Description": "instance backup",
        "CopyTagsFromSource": "volume",
        "TagSpecifications": [{"ResourceType": "snapshot", "Tags": [{"Key": "set", "Value": "a"}]}],
    }),
    ("describeSnapshotsFiltered", "DescribeSnapshots", {
        "Filters": [
            {"Name": "status", "Values": ["pending", "completed"]},
            {"Name": "tag:team", "Values": ["storage"]},
        ],
        "OwnerIds": ["self", "111122223333"],
        "RestorableByUserIds": ["444455556666"],
        "SnapshotIds": ["snap-1a2b3c4d", "snap-5e6f7a8b"],
        "MaxResults": 5,
        "NextToken": "eyJvZmZzZXQiOjV9+/=",
    }),
    ("runInstancesWithMappings", "RunInstances", {
        "ImageId": "ami-12345678",
        "MinCount": 1,
        "MaxCount": 1,
        "InstanceType": "t3.micro",
        "BlockDeviceMappings": [
            {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8, "VolumeType": "gp3", "DeleteOnTermination": True}},
            {"DeviceName": "/dev/sdf", "Ebs": {"SnapshotId": "snap-1a2b3c4d", "Iops": 3000, "Encrypted": False}},
        ],
        "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}],
    }),
    ("modifySnapshotAttributeAdd", "ModifySnapshotAttribute", {
        "SnapshotId": "snap-1a2b3c4d",
        "Attribute": "createVolumePermission",
        "OperationType": "add",
        "CreateVolumePermission": {"Add": [{"UserId": "111122223333"}, {"Group": "all"}]},
    }),
    ("describeVolumesById", "DescribeVolumes", {
        "VolumeIds": ["vol-1a2b3c4d"],
        "Filters": [{"Name": "attachment.status", "Values": ["attached"]}],
    }),
    ("deleteTagsWithoutValue", "DeleteTags", {
        "Resources": ["snap-1a2b3c4d", "vol-1a2b3c4d"],
        "Tags": [{"Key": "team"}, {"Key": "Name", "Value": "nightly"}],
    }),
]

T1 = datetime.datetime(2026, 11, 25, 14, 37, 25, 123000, tzinfo=UTC)
T2 = datetime.datetime(2026, 11, 24, 3, 0, 0, 0, tzinfo=UTC)
SNAPSHOT = {
    "SnapshotId": "snap-1a2b3c4d", "VolumeId": "vol-1a2b3c4d", "State": "pending", "StartTime": T1,
    "Progress": "60%", "OwnerId": "111122223333", "VolumeSize": 30, "Description": "Daily Backup",
    "Encrypted": False,
}

# Responses as boto3 users receive them: the golden XML is rendered from these, parsed back
# by botocore's EC2QueryParser and required to give exactly these values again.
RESPONSES = [
    ("createSnapshot", "CreateSnapshot", "59dbff89-35bd-4eac-99ed-be587EXAMPLE", dict(SNAPSHOT)),
    ("createSnapshotWithTags", "CreateSnapshot", "req-2", dict(
        SNAPSHOT, Tags=[{"Key": "Name", "Value": "a&b <c> \"d\""}], KmsKeyId="arn:aws:kms:us-east-1:1:key/k")),
    ("createSnapshots", "CreateSnapshots", "req-3", {"Snapshots": [
        {"SnapshotId": "snap-1", "VolumeId": "vol-1", "State": "pending", "StartTime": T1, "Progress": "",
         "OwnerId": "111122223333", "VolumeSize": 8, "Encrypted": False,
         "Tags": [{"Key": "set", "Value": "a"}]},
        {"SnapshotId": "snap-2", "VolumeId": "vol-2", "State": "pending", "StartTime": T1, "Progress": "",
         "OwnerId": "111122223333", "VolumeSize": 16, "Encrypted": False, "Description": "instance backup"},
    ]}),
    ("describeSnapshots", "DescribeSnapshots", "req-4", {
        "Snapshots": [
            dict(SNAPSHOT, State="completed", Progress="100%", Tags=[
                {"Key": "Name", "Value": "nightly"}, {"Key": "team", "Value": "storage"}]),
            {"SnapshotId": "snap-5e6f7a8b", "VolumeId": "vol-5e6f7a8b", "State": "error", "StartTime": T2,
             "StateMessage": "volume read failed", "Progress": "12%", "OwnerId": "111122223333",
             "VolumeSize": 1, "Encrypted": True, "Tags": []},
        ],
        "NextToken": "eyJvZmZzZXQiOjV9",
    }),
    ("describeSnapshotsEmpty", "DescribeSnapshots", "req-5", {"Snapshots": []}),
    ("deleteSnapshot", "DeleteSnapshot", "req-6", None),
    ("describeSnapshotAttribute", "DescribeSnapshotAttribute", "req-7", {
        "SnapshotId": "snap-1a2b3c4d",
        "CreateVolumePermissions": [{"UserId": "111122223333"}, {"Group": "all"}],
    }),
    ("describeInstances", "DescribeInstances", "req-8", {"Reservations": [{
        "ReservationId": "r-1", "OwnerId": "111122223333",
        "Instances": [{
            "InstanceId": "i-1234567890abcdef0", "ImageId": "ami-12345678", "InstanceType": "t3.micro",
            "State": {"Code": 16, "Name": "running"}, "LaunchTime": T2, "RootDeviceName": "/dev/xvda",
            "RootDeviceType": "ebs",
            "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {
                "VolumeId": "vol-1a2b3c4d", "Status": "attached", "AttachTime": T2,
                "DeleteOnTermination": True}}],
            "Tags": [{"Key": "Name", "Value": "web"}],
        }],
    }]}),
]

ERRORS = [
    ("missingParameter", "MissingParameter", "The request must contain the parameter VolumeId", "req-9"),
    ("escapedMessage", "InvalidParameterValue",
     "Value (a<b>&c) for parameter Description is invalid. It must be at most 255 characters long.", "req-10"),
]


def wire_body(service, action, params):
    """The urlencoded body botocore sends for `params`."""
    serializer = botocore.serialize.create_serializer("ec2", include_validation=True)
    request = serializer.serialize_to_request(params, service.operation_model(action))
    botocore.awsrequest.prepare_request_dict(request, endpoint_url=ENDPOINT)
    body = botocore.awsrequest.create_request_object(request).prepare().body
    return body.decode("ascii") if isinstance(body, bytes) else body


def reference_xml(service, action, request_id, output):
    """An independent rendering of the response by the model's rules, for botocore to check."""
    operation = service.operation_model(action)
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{action}Response xmlns="'
             f'{service.metadata["xmlNamespace"].rstrip("/")}/"><requestId>{request_id}</requestId>']
    if operation.output_shape is None:
        parts.append("<return>true</return>")
    else:
        parser = botocore.parsers.EC2QueryParser()

        def render(shape, value):
            if shape.type_name == "structure":
                for name, member in shape.members.items():
                    if name in value:
                        element(parser._member_key_name(member, name), member, value[name])
            elif shape.type_name == "list":
                item = shape.member.serialization.get("name", "item")
                for entry in value:
                    element(item, shape.member, entry)
            elif shape.type_name == "boolean":
                parts.append("true" if value else "false")
            elif shape.type_name == "timestamp":
                parts.append(value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z")
            else:
                parts.append(xml.sax.saxutils.escape(str(value)))

        def element(name, shape, value):
            if shape.type_name == "list" and not value:
                parts.append(f"<{name}/>")
                return
            parts.append(f"<{name}>")
            render(shape, value)
            parts.append(f"</{name}>")

        render(operation.output_shape, output)
    parts.append(f"</{action}Response>")
    return "".join(parts)


def botocore_parse(service, action, body, status=200):
    parser = botocore.parsers.create_parser("ec2")
    response = {"body": body.encode("utf-8"), "headers": {}, "status_code": status}
    return parser.parse(response, service.operation_model(action).output_shape)


def swift_value(value, indent=""):
    """An `EC2Value` literal for a boto3-style value."""
    inner = indent + "    "
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return swift_string(value)
    if isinstance(value, datetime.datetime):
        return f".timestamp(EC2Timestamp.parse({swift_string(value.isoformat().replace('+00:00', 'Z'))})!)"
    if isinstance(value, list):
        if not value:
            return ".list([])"
        return "[\n" + "".join(f"{inner}{swift_value(v, inner)},\n" for v in value) + indent + "]"
    if isinstance(value, dict):
        if not value:
            return "[:]"
        items = "".join(f"{inner}{swift_string(k)}: {swift_value(v, inner)},\n" for k, v in value.items())
        return "[\n" + items + indent + "]"
    raise SystemExit(f"no EC2Value literal for {value!r}")


def swift_multiline(text, indent="        "):
    """A Swift raw multi-line string literal for `text` (which has no trailing newline)."""
    lines = "\n".join(indent + line if line else "" for line in text.split("\n"))
    return f'#"""\n{lines}\n{indent}"""#'


def generate_fixtures(service):
    out = [
        f"// Generated by scripts/gen_ec2_shapes.py --fixtures with botocore {botocore.__version__}; do not edit.",
        "// Requests are botocore's EC2 serializer output (the urlencoded body); responses are golden",
        "// XML that botocore's EC2QueryParser parses back into exactly the `output` tree.",
        "",
        "@testable import AWSWire",
        "",
        "let botocoreRequests: [BotocoreRequestFixture] = [",
    ]
    for name, action, params in REQUESTS:
        body = wire_body(service, action, params)
        out += [
            "    BotocoreRequestFixture(",
            f"        name: {swift_string(name)},",
            f"        action: {swift_string(action)},",
            f"        body: {swift_string(body)},",
            f"        input: {swift_value(params, '        ')}",
            "    ),",
        ]
    out += ["]", "", "let botocoreResponses: [BotocoreResponseFixture] = ["]
    for name, action, request_id, output in RESPONSES:
        golden = reference_xml(service, action, request_id, output)
        parsed = botocore_parse(service, action, golden)
        metadata = parsed.pop("ResponseMetadata")
        if parsed != (output or {}) or metadata.get("RequestId") != request_id:
            raise SystemExit(f"{name}: botocore parses the golden XML differently:\n{parsed}\n{output}")
        out += [
            "    BotocoreResponseFixture(",
            f"        name: {swift_string(name)},",
            f"        action: {swift_string(action)},",
            f"        requestId: {swift_string(request_id)},",
            f"        output: {swift_value(output, '        ') if output is not None else 'nil'},",
            f"        xml: {swift_multiline(golden)}",
            "    ),",
        ]
    out += ["]", "", "let botocoreErrors: [BotocoreErrorFixture] = ["]
    for name, code, message, request_id in ERRORS:
        golden = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>'
            f"{xml.sax.saxutils.escape(code)}</Code><Message>{xml.sax.saxutils.escape(message)}</Message>"
            f"</Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )
        parsed = botocore_parse(service, "CreateSnapshot", golden, status=400)
        expected = {"Code": code, "Message": message}
        if parsed.get("Error") != expected or parsed["ResponseMetadata"]["RequestId"] != request_id:
            raise SystemExit(f"{name}: botocore parses the error XML differently: {parsed}")
        out += [
            "    BotocoreErrorFixture(",
            f"        name: {swift_string(name)},",
            f"        code: {swift_string(code)},",
            f"        message: {swift_string(message)},",
            f"        requestId: {swift_string(request_id)},",
            f"        xml: {swift_multiline(golden)}",
            "    ),",
        ]
    out += ["]", ""]
    return "\n".join(out)


# The layout of the hand-written sources, used when the repository has no .swift-format yet.
SWIFT_FORMAT_FALLBACK = {"version": 1, "lineLength": 120, "indentation": {"spaces": 4}}


def swift_format(text):
    """`text` laid out by `swift format` (the repository's .swift-format if present), so that
    generated files pass the same lint as hand-written ones."""
    config = os.path.join(ROOT, ".swift-format")
    with tempfile.TemporaryDirectory() as scratch:
        if not os.path.exists(config):
            config = os.path.join(scratch, "swift-format.json")
            with open(config, "w", encoding="utf-8") as handle:
                json.dump(SWIFT_FORMAT_FALLBACK, handle)
        try:
            result = subprocess.run(
                ["swift", "format", "format", "--configuration", config],
                input=text, capture_output=True, text=True, check=True,
            )
        except (OSError, subprocess.CalledProcessError) as error:
            raise SystemExit(f"swift format failed: {error}")
    return result.stdout


def write(path, text):
    text = swift_format(text)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"wrote {os.path.relpath(path, ROOT)}")


def main():
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("--model", default=DEFAULT_MODEL, help="botocore ec2 service-2.json(.gz)")
    arguments.add_argument("--fixtures", action="store_true", help="also write the test fixtures")
    options = arguments.parse_args()
    service = load_model(options.model)
    write(SHAPES_OUT, generate_shapes(service))
    if options.fixtures:
        write(FIXTURES_OUT, generate_fixtures(service))


if __name__ == "__main__":
    main()

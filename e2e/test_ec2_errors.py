"""EC2 errors as AWS renders them: malformed and unknown ids, unknown parameters, bad
filter names, wrong types, InvalidAction, MissingParameter, DryRun, authentication; each
with its HTTP status and, on the raw path, the XML error document."""

import pytest
from botocore.exceptions import ClientError

from helpers import (
    UNKNOWN_INSTANCE,
    UNKNOWN_SNAPSHOT,
    UNKNOWN_VOLUME,
    ec2_error,
    ec2_query,
    ec2_xml,
    expect_error,
    new_volume,
)

IPV = "InvalidParameterValue"

MALFORMED = [
    ("describe_volumes", dict(VolumeIds=["vol-xyz"]), "InvalidVolumeID.Malformed"),
    ("describe_volumes", dict(VolumeIds=["vol-0123456789ABCDEF0"]), "InvalidVolumeID.Malformed"),
    ("delete_volume", dict(VolumeId="volume-12345678"), "InvalidVolumeID.Malformed"),
    ("modify_volume", dict(VolumeId="vol-1234", Size=10), "InvalidVolumeID.Malformed"),
    ("create_snapshot", dict(VolumeId="vol-123456789"), "InvalidVolumeID.Malformed"),
    ("detach_volume", dict(VolumeId="vol-"), "InvalidVolumeID.Malformed"),
    ("describe_snapshots", dict(SnapshotIds=["snap-xyz"]), "InvalidSnapshotID.Malformed"),
    ("delete_snapshot", dict(SnapshotId="snap-0123456789abcdef"), "InvalidSnapshotID.Malformed"),
    ("create_volume", dict(AvailabilityZone="us-east-1a", SnapshotId="snapshot-1"), "InvalidSnapshotID.Malformed"),
    ("describe_snapshot_attribute", dict(SnapshotId="snap-!", Attribute="createVolumePermission"), "InvalidSnapshotID.Malformed"),
    ("describe_instances", dict(InstanceIds=["i-xyz"]), "InvalidInstanceID.Malformed"),
    ("terminate_instances", dict(InstanceIds=["i-12"]), "InvalidInstanceID.Malformed"),
    ("create_snapshots", dict(InstanceSpecification={"InstanceId": "instance-1"}), "InvalidInstanceID.Malformed"),
]


@pytest.mark.parametrize("op,kw,code", MALFORMED, ids=[f"{m[0]}-{i}" for i, m in enumerate(MALFORMED)])
def test_malformed_ids(ec2, op, kw, code):
    expect_error(lambda: getattr(ec2, op)(**kw), code, 400)


NOT_FOUND = [
    ("describe_volumes", dict(VolumeIds=[UNKNOWN_VOLUME]), "InvalidVolume.NotFound"),
    ("describe_volumes", dict(VolumeIds=["vol-12345678"]), "InvalidVolume.NotFound"),
    ("delete_volume", dict(VolumeId=UNKNOWN_VOLUME), "InvalidVolume.NotFound"),
    ("modify_volume", dict(VolumeId=UNKNOWN_VOLUME, Size=10), "InvalidVolume.NotFound"),
    ("create_snapshot", dict(VolumeId=UNKNOWN_VOLUME), "InvalidVolume.NotFound"),
    ("detach_volume", dict(VolumeId=UNKNOWN_VOLUME), "InvalidVolume.NotFound"),
    ("describe_snapshots", dict(SnapshotIds=[UNKNOWN_SNAPSHOT]), "InvalidSnapshot.NotFound"),
    ("describe_snapshots", dict(SnapshotIds=["snap-12345678"]), "InvalidSnapshot.NotFound"),
    ("delete_snapshot", dict(SnapshotId=UNKNOWN_SNAPSHOT), "InvalidSnapshot.NotFound"),
    ("create_volume", dict(AvailabilityZone="us-east-1a", SnapshotId=UNKNOWN_SNAPSHOT), "InvalidSnapshot.NotFound"),
    ("describe_snapshot_attribute", dict(SnapshotId=UNKNOWN_SNAPSHOT, Attribute="createVolumePermission"),
     "InvalidSnapshot.NotFound"),
    ("reset_snapshot_attribute", dict(SnapshotId=UNKNOWN_SNAPSHOT, Attribute="createVolumePermission"),
     "InvalidSnapshot.NotFound"),
    ("describe_instances", dict(InstanceIds=[UNKNOWN_INSTANCE]), "InvalidInstanceID.NotFound"),
    ("stop_instances", dict(InstanceIds=["i-12345678"]), "InvalidInstanceID.NotFound"),
    ("create_snapshots", dict(InstanceSpecification={"InstanceId": UNKNOWN_INSTANCE}), "InvalidInstanceID.NotFound"),
]


@pytest.mark.parametrize("op,kw,code", NOT_FOUND, ids=[f"{m[0]}-{i}" for i, m in enumerate(NOT_FOUND)])
def test_unknown_ids(ec2, op, kw, code):
    e = expect_error(lambda: getattr(ec2, op)(**kw), code, 400)
    assert e.response["Error"]["Message"]


@pytest.mark.parametrize("op", ["describe_volumes", "describe_snapshots", "describe_instances", "describe_tags"])
def test_bad_filter_names(ec2, op):
    e = expect_error(lambda: getattr(ec2, op)(Filters=[{"Name": "no-such-filter", "Values": ["x"]}]), IPV, 400)
    assert "no-such-filter" in e.response["Error"]["Message"]


MISSING = [
    ("create_snapshot", {}),
    ("delete_volume", {}),
    ("delete_snapshot", {}),
    ("attach_volume", dict(VolumeId=UNKNOWN_VOLUME, Device="/dev/sdf")),
    ("attach_volume", dict(InstanceId=UNKNOWN_INSTANCE, Device="/dev/sdf")),
    ("copy_snapshot", dict(SourceRegion="us-east-1")),
    ("describe_snapshot_attribute", dict(SnapshotId=UNKNOWN_SNAPSHOT)),
    ("modify_volume", {}),
    ("terminate_instances", {}),
    ("create_snapshots", {}),
]


@pytest.mark.parametrize("op,kw", MISSING, ids=[f"{m[0]}-{i}" for i, m in enumerate(MISSING)])
def test_missing_parameters(ec2, op, kw):
    expect_error(lambda: getattr(ec2, op)(**kw), "MissingParameter", 400)


# ----------------------------------------------------------------- raw Query


def test_unknown_parameter(server):
    vid = new_volume(server.ec2(), 1)
    cases = [
        {"Action": "DescribeVolumes", "Frobnicate": "1"},
        {"Action": "DescribeVolumes", "VolumeId.1": vid, "VolumeIds.1": vid},
        {"Action": "CreateSnapshot", "VolumeId": vid, "Bogus.1.Name": "x"},
        {"Action": "DescribeSnapshots", "Filter.1.Name": "status", "Filter.1.Valu.1": "completed"},
        {"Action": "CreateSnapshot", "VolumeId": vid, "TagSpecification.1.ResourceType": "snapshot",
         "TagSpecification.1.Tag.1.Kee": "k"},
    ]
    for params in cases:
        message = ec2_error(ec2_query(server, params), 400, "UnknownParameter")
        assert any(name in message for name in ("Frobnicate", "VolumeIds", "Bogus", "Valu", "Kee")), message
    # Nothing was created by the refused CreateSnapshot calls.
    root = ec2_xml(ec2_query(server, {"Action": "DescribeSnapshots", "Filter.1.Name": "volume-id", "Filter.1.Value.1": vid}),
                   "DescribeSnapshots")
    assert [e for e in root.iter() if e.tag.endswith("snapshotId")] == []


@pytest.mark.parametrize(
    "params",
    [
        {"Action": "CreateVolume", "AvailabilityZone": "us-east-1a", "Size": "ten"},
        {"Action": "CreateVolume", "AvailabilityZone": "us-east-1a", "Size": "1.5"},
        {"Action": "CreateVolume", "AvailabilityZone": "us-east-1a", "Size": "99999999999"},
        {"Action": "CreateVolume", "AvailabilityZone": "us-east-1a", "Size": "1", "DryRun": "perhaps"},
        {"Action": "CreateVolume", "AvailabilityZone": "us-east-1a", "Size": "1", "VolumeType": "floppy"},
        {"Action": "DescribeSnapshots", "MaxResults": "many"},
        {"Action": "DescribeVolumes", "MaxResults": "5.0"},
    ],
)
def test_wrong_types(server, params):
    message = ec2_error(ec2_query(server, params), 400, IPV)
    assert message


def test_invalid_action(server):
    for action in ("FrobnicateVolumes", "DescribeVpcs", "describevolumes"):
        message = ec2_error(ec2_query(server, {"Action": action}), 400, "InvalidAction")
        assert action in message
    ec2_error(ec2_query(server, {"Action": "FrobnicateVolumes"}, method="GET"), 400, "InvalidAction")


def test_missing_action(server):
    ec2_error(ec2_query(server, {"VolumeId.1": UNKNOWN_VOLUME}), 400, "MissingAction")


def test_missing_parameter_raw(server):
    message = ec2_error(ec2_query(server, {"Action": "CreateSnapshot"}), 400, "MissingParameter")
    assert "VolumeId" in message
    message = ec2_error(
        ec2_query(server, {"Action": "CreateSnapshots", "InstanceSpecification.ExcludeBootVolume": "true"}),
        400, "MissingParameter",
    )
    assert "InstanceId" in message


def test_error_documents_are_ec2_xml(server):
    resp = ec2_query(server, {"Action": "DescribeVolumes", "VolumeId.1": UNKNOWN_VOLUME})
    message = ec2_error(resp, 400, "InvalidVolume.NotFound")
    assert UNKNOWN_VOLUME in message
    assert resp.headers["Content-Type"].startswith("text/xml")
    resp = ec2_query(server, {"Action": "DeleteVolume", "VolumeId": "vol-bad"}, method="GET")
    ec2_error(resp, 400, "InvalidVolumeID.Malformed")


def test_dry_run_is_412(server, ec2):
    vid = new_volume(ec2, 1)
    resp = ec2_query(server, {"Action": "CreateSnapshot", "VolumeId": vid, "DryRun": "true"})
    message = ec2_error(resp, 412, "DryRunOperation")
    assert "DryRun" in message
    # DryRun=false acts.
    root = ec2_xml(ec2_query(server, {"Action": "CreateSnapshot", "VolumeId": vid, "DryRun": "false"}), "CreateSnapshot")
    assert root.find("{http://ec2.amazonaws.com/doc/2016-11-15/}snapshotId") is not None


@pytest.mark.parametrize("action", ["DescribeVolumes", "DescribeSnapshots", "DescribeInstances", "DescribeTags",
                                    "DescribeSnapshotAttribute"])
def test_describe_dry_run_is_412(server, ec2, action):
    params = {"Action": action, "DryRun": "true"}
    if action == "DescribeSnapshotAttribute":
        vid = new_volume(ec2, 1)
        params.update(SnapshotId=ec2.create_snapshot(VolumeId=vid)["SnapshotId"], Attribute="createVolumePermission")
    ec2_error(ec2_query(server, params), 412, "DryRunOperation")


def test_unknown_access_key_is_auth_failure(server):
    bad = server.ec2(("AKIA" + "0" * 16, "secret"), retries={"total_max_attempts": 1})
    e = expect_error(lambda: bad.describe_volumes(), "AuthFailure", 401)
    assert e.response["Error"]["Message"]
    ec2_error(ec2_query(server, {"Action": "DescribeVolumes"}, creds=("AKIA" + "1" * 16, "x")), 401, "AuthFailure")


def test_wrong_secret_is_refused(server):
    bad = server.ec2((server.root_creds[0], server.root_creds[1] + "x"), retries={"total_max_attempts": 1})
    with pytest.raises(ClientError) as info:
        bad.describe_volumes()
    resp = info.value.response
    assert resp["ResponseMetadata"]["HTTPStatusCode"] in (401, 403), resp
    assert resp["Error"]["Code"] in ("AuthFailure", "SignatureDoesNotMatch"), resp["Error"]


def test_unsigned_query_is_refused_in_xml(server):
    resp = ec2_query(server, {"Action": "DescribeVolumes"}, sign=False)
    assert resp.status_code in (401, 403), resp.text[:300]
    assert resp.text.lstrip().startswith("<?xml") or resp.text.lstrip().startswith("<Response"), resp.text[:300]
    resp = ec2_query(server, {"Action": "DescribeVolumes"}, method="GET", sign=False)
    assert resp.status_code in (401, 403), resp.text[:300]
    assert "<Response><Errors><Error><Code>" in resp.text, resp.text[:300]


@pytest.mark.parametrize("bad", ["x\x00yz", "a\x01b", "\x0b", "\ufffe", "\uffff"])
def test_characters_xml_cannot_carry_are_refused_and_nothing_is_stored(server, bad):
    """NUL and the other characters XML 1.0 cannot carry were stored cut short or replaced by
    U+FFFD; they are refused with InvalidParameterValue, and nothing is created."""
    ec2 = server.ec2()
    vid = new_volume(ec2, 1)
    for params in (
        {"Action": "CreateSnapshot", "VolumeId": vid, "Description": bad},
        {"Action": "CreateTags", "ResourceId.1": vid, "Tag.1.Key": "k", "Tag.1.Value": bad},
        {"Action": "CreateVolume", "AvailabilityZone": "us-east-1a", "Size": "1", "ClientToken": "t" + bad},
    ):
        message = ec2_error(ec2_query(server, params), 400, IPV)
        assert "U+" in message, message
    assert ec2.describe_snapshots(Filters=[{"Name": "volume-id", "Values": [vid]}])["Snapshots"] == []
    assert ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [vid]}])["Tags"] == []
    # Tab, line feed and carriage return are ordinary text.
    sid = ec2.create_snapshot(VolumeId=vid, Description="a\tb\nc\rd")["SnapshotId"]
    assert ec2.describe_snapshots(SnapshotIds=[sid])["Snapshots"][0]["Description"] == "a\tb\nc\rd"


def test_a_form_body_that_is_not_utf8_is_a_malformed_query_string(server):
    from helpers import sign_headers
    import requests

    vid = new_volume(server.ec2(), 1)
    body = f"Action=CreateTags&Version=2016-11-15&ResourceId.1={vid}&Tag.1.Key=k&Tag.1.Value=caf\xe9".encode("latin-1")
    url = server.url + "/"
    hdrs = sign_headers(url, "POST", server.root_creds, body,
                        {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, service="ec2")
    ec2_error(requests.post(url, data=body, headers=hdrs, timeout=30), 400, "MalformedQueryString")
    assert server.ec2().describe_tags(Filters=[{"Name": "resource-id", "Values": [vid]}])["Tags"] == []

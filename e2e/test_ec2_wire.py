"""The EC2 Query protocol on the wire: hand-signed POST and GET requests checked element
by element (CreateSnapshotResponse as AWS documents it), and aws-cli's XML path."""

import datetime as dt
import json
import os
import re
import shutil
import subprocess

import pytest

from helpers import (
    ACCOUNT_ID_RE,
    EC2_NS,
    EC2_TIME_RE,
    SNAP_ID_RE,
    ec2_query,
    ec2_xml,
    new_volume,
    wait_snapshots,
)

NS = "{" + EC2_NS + "}"
UUIDISH = re.compile(r"^[0-9a-fA-F-]{16,}$")


def children(elem) -> list[str]:
    return [c.tag.removeprefix(NS) for c in elem]


def only(elem, name):
    found = elem.findall(NS + name)
    assert len(found) == 1, f"<{name}> appears {len(found)} times among {children(elem)}"
    return found[0]


def text(elem, name) -> str:
    return only(elem, name).text or ""


def check_create_snapshot_response(root, vid, owner, size, description):
    """Every element seed 001 shows, with its value."""
    assert root.tag == NS + "CreateSnapshotResponse"
    names = children(root)
    assert names[0] == "requestId", names
    assert UUIDISH.match(text(root, "requestId")), text(root, "requestId")
    sid = text(root, "snapshotId")
    assert SNAP_ID_RE.match(sid), sid
    assert text(root, "volumeId") == vid
    assert text(root, "status") == "pending"
    assert "state" not in names, names  # CreateSnapshot says <status>, CreateSnapshots' items say <state>
    start = text(root, "startTime")
    assert EC2_TIME_RE.match(start), start
    started = dt.datetime.strptime(start, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)
    assert abs(started - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=2), start
    assert re.match(r"^(100|[1-9]?[0-9])%$", text(root, "progress")), text(root, "progress")
    assert text(root, "ownerId") == owner
    assert text(root, "volumeSize") == str(size)
    assert text(root, "description") == description
    assert text(root, "encrypted") == "false"
    # No element is rendered empty-handed or twice.
    assert len(names) == len(set(names)), names
    return sid


@pytest.fixture
def volume_and_owner(ec2):
    vid = new_volume(ec2, 30)
    inst = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)
    return vid, inst["OwnerId"]


def test_raw_post_create_snapshot_response(server, ec2, volume_and_owner):
    vid, owner = volume_and_owner
    assert ACCOUNT_ID_RE.match(owner)
    # Seed 001's request, form-encoded by hand (%20 here; '+' in the next test).
    resp = ec2_query(server, [("Action", "CreateSnapshot"), ("VolumeId", vid), ("Description", "Daily Backup")])
    root = ec2_xml(resp, "CreateSnapshot")
    sid = check_create_snapshot_response(root, vid, owner, 30, "Daily Backup")
    assert resp.text.startswith('<?xml version="1.0" encoding="UTF-8"?>'), resp.text[:80]
    [snap] = wait_snapshots(ec2, [sid])
    assert snap["Description"] == "Daily Backup" and snap["VolumeId"] == vid and snap["OwnerId"] == owner


def test_raw_post_with_plus_encoded_spaces(server, ec2, volume_and_owner):
    import requests

    from helpers import sign_headers

    vid, owner = volume_and_owner
    body = f"Action=CreateSnapshot&VolumeId={vid}&Description=Daily+Backup&Version=2016-11-15".encode()
    url = server.url + "/"
    hdrs = sign_headers(url, "POST", server.root_creds, body,
                        {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, service="ec2")
    resp = requests.post(url, data=body, headers=hdrs, timeout=30)
    root = ec2_xml(resp, "CreateSnapshot")
    check_create_snapshot_response(root, vid, owner, 30, "Daily Backup")


def test_raw_get_create_snapshot(server, ec2, volume_and_owner):
    vid, owner = volume_and_owner
    resp = ec2_query(server, {"Action": "CreateSnapshot", "VolumeId": vid, "Description": "Daily Backup"}, method="GET")
    root = ec2_xml(resp, "CreateSnapshot")
    sid = check_create_snapshot_response(root, vid, owner, 30, "Daily Backup")
    wait_snapshots(ec2, [sid])


def test_raw_get_describe_snapshots(server, ec2, volume_and_owner):
    vid, owner = volume_and_owner
    sid = ec2.create_snapshot(VolumeId=vid, Description="get <&> 'quoted'")["SnapshotId"]
    wait_snapshots(ec2, [sid])
    resp = ec2_query(server, {"Action": "DescribeSnapshots", "SnapshotId.1": sid}, method="GET")
    root = ec2_xml(resp, "DescribeSnapshots")
    assert children(root)[0] == "requestId"
    items = only(root, "snapshotSet").findall(NS + "item")
    assert len(items) == 1
    item = items[0]
    assert text(item, "snapshotId") == sid
    assert text(item, "volumeId") == vid
    assert text(item, "status") == "completed"
    assert text(item, "progress") == "100%"
    assert text(item, "ownerId") == owner
    assert text(item, "volumeSize") == "30"
    assert text(item, "description") == "get <&> 'quoted'"
    assert EC2_TIME_RE.match(text(item, "startTime"))
    assert text(item, "encrypted") == "false"
    # An empty list is an empty set element; paging by filter over GET.
    resp = ec2_query(server, {"Action": "DescribeSnapshots", "Filter.1.Name": "volume-id",
                              "Filter.1.Value.1": "vol-00000000"}, method="GET")
    root = ec2_xml(resp, "DescribeSnapshots")
    assert only(root, "snapshotSet").findall(NS + "item") == []


def test_raw_create_snapshots_items_carry_state(server, ec2):
    inst = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)["Instances"][0]
    resp = ec2_query(server, {"Action": "CreateSnapshots", "InstanceSpecification.InstanceId": inst["InstanceId"],
                              "Description": "set", "TagSpecification.1.ResourceType": "snapshot",
                              "TagSpecification.1.Tag.1.Key": "k", "TagSpecification.1.Tag.1.Value": "v"})
    root = ec2_xml(resp, "CreateSnapshots")
    items = only(root, "snapshotSet").findall(NS + "item")
    assert len(items) == 1
    item = items[0]
    assert text(item, "state") == "pending"
    assert item.find(NS + "status") is None
    assert text(item, "volumeId") == inst["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    assert EC2_TIME_RE.match(text(item, "startTime"))
    tag_items = only(item, "tagSet").findall(NS + "item")
    assert [(text(t, "key"), text(t, "value")) for t in tag_items] == [("k", "v")]


def test_raw_operations_without_output_return_true(server, ec2):
    vid = new_volume(ec2, 1)
    root = ec2_xml(ec2_query(server, {"Action": "CreateTags", "ResourceId.1": vid, "Tag.1.Key": "a",
                                      "Tag.1.Value": "b"}), "CreateTags")
    assert children(root) == ["requestId", "return"] and text(root, "return") == "true"
    root = ec2_xml(ec2_query(server, {"Action": "DeleteVolume", "VolumeId": vid}), "DeleteVolume")
    assert children(root) == ["requestId", "return"] and text(root, "return") == "true"


def test_raw_describe_volumes_attachment_set(server, ec2):
    inst = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)["Instances"][0]
    root_vol = inst["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    resp = ec2_query(server, {"Action": "DescribeVolumes", "VolumeId.1": root_vol})
    root = ec2_xml(resp, "DescribeVolumes")
    [item] = only(root, "volumeSet").findall(NS + "item")
    assert text(item, "volumeId") == root_vol
    assert text(item, "status") == "in-use"
    assert text(item, "size") == "8"
    assert EC2_TIME_RE.match(text(item, "createTime"))
    [att] = only(item, "attachmentSet").findall(NS + "item")
    assert text(att, "instanceId") == inst["InstanceId"]
    assert text(att, "device") == "/dev/xvda"
    assert text(att, "status") == "attached"
    assert text(att, "deleteOnTermination") == "true"


# ------------------------------------------------------------------ aws-cli


def _aws(server, tmp_path, *args) -> dict:
    creds = tmp_path / "credentials"
    creds.write_text(
        "[default]\n"
        f"aws_access_key_id = {server.root_creds[0]}\n"
        f"aws_secret_access_key = {server.root_creds[1]}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_SHARED_CREDENTIALS_FILE=str(creds), AWS_CONFIG_FILE=str(tmp_path / "no-config"))
    res = subprocess.run(
        ["aws", "ec2", *args, "--endpoint-url", server.url, "--region", "us-east-1", "--output", "json"],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert res.returncode == 0, f"aws ec2 {' '.join(args)} exited {res.returncode}: {res.stderr[-1500:]}"
    return json.loads(res.stdout) if res.stdout.strip() else {}


@pytest.mark.skipif(shutil.which("aws") is None, reason="aws-cli is not installed")
def test_aws_cli_create_snapshot(server, ec2, tmp_path):
    vid = new_volume(ec2, 4)
    snap = _aws(server, tmp_path, "create-snapshot", "--volume-id", vid, "--description", "from aws-cli",
                "--tag-specifications", "ResourceType=snapshot,Tags=[{Key=cli,Value=yes}]")
    assert SNAP_ID_RE.match(snap["SnapshotId"]), snap
    assert snap["State"] == "pending"
    assert snap["VolumeId"] == vid and snap["VolumeSize"] == 4
    assert snap["Description"] == "from aws-cli"
    assert {t["Key"]: t["Value"] for t in snap["Tags"]} == {"cli": "yes"}
    assert EC2_TIME_RE.match(snap["StartTime"]) or snap["StartTime"].endswith(("+00:00", "Z")), snap["StartTime"]
    _aws(server, tmp_path, "wait", "snapshot-completed", "--snapshot-ids", snap["SnapshotId"])
    described = _aws(server, tmp_path, "describe-snapshots", "--snapshot-ids", snap["SnapshotId"])
    [d] = described["Snapshots"]
    assert d["State"] == "completed" and d["Progress"] == "100%" and d["SnapshotId"] == snap["SnapshotId"]
    listed = _aws(server, tmp_path, "describe-snapshots", "--owner-ids", "self",
                  "--filters", "Name=tag:cli,Values=yes", "Name=volume-id,Values=" + vid)
    assert [s["SnapshotId"] for s in listed["Snapshots"]] == [snap["SnapshotId"]]

"""One catalog, one engine: snapshots made through the EBS direct APIs are EC2 snapshots
(DescribeSnapshots shows them, volumes are created from them), EC2 snapshots are read
with ListSnapshotBlocks/GetSnapshotBlock/ListChangedBlocks, and the bytes survive
volume -> snapshot -> volume -> snapshot round trips."""

import pytest

from helpers import (
    ACCOUNT_ID_RE,
    BLOCK,
    assert_snapshot_equals,
    expect_error,
    list_blocks,
    list_changed,
    new_volume,
    rand_block,
    start,
    tag_spec,
    tags_of,
    upload,
    wait_snapshots,
)

AMI = "ami-0abcdef1234567890"


def original_blocks(seed: int) -> dict[int, bytes]:
    """Blocks spread over a 2 GiB volume (4096 blocks), first and last included."""
    return {i: rand_block(seed, i) for i in (0, 1, 2, 63, 64, 1000, 2047, 2048, 3333, 4095)}


@pytest.fixture(scope="module")
def original(client):
    blocks = original_blocks(501)
    sid = upload(client, blocks, size=2, Description="uploaded through EBS", Tags=[{"Key": "via", "Value": "ebs"}])
    return sid, blocks


def snapshot_volume(ec2, vid: str, **kw) -> str:
    sid = ec2.create_snapshot(VolumeId=vid, **kw)["SnapshotId"]
    [snap] = wait_snapshots(ec2, [sid])
    assert snap["State"] == "completed" and snap["Progress"] == "100%", snap
    return sid


def test_ebs_snapshot_appears_in_describe_snapshots(ec2, client, original):
    sid, _ = original
    [snap] = ec2.describe_snapshots(SnapshotIds=[sid])["Snapshots"]
    assert snap["VolumeId"] == "vol-ffffffff"
    assert snap["State"] == "completed" and snap["Progress"] == "100%"
    assert snap["VolumeSize"] == 2
    assert snap["Description"] == "uploaded through EBS"
    assert tags_of(snap) == {"via": "ebs"}
    assert ACCOUNT_ID_RE.match(snap["OwnerId"])
    assert snap["Encrypted"] is False
    assert sid in [s["SnapshotId"] for s in ec2.describe_snapshots(
        OwnerIds=["self"], Filters=[{"Name": "volume-id", "Values": ["vol-ffffffff"]}, {"Name": "snapshot-id", "Values": [sid]}]
    )["Snapshots"]]
    # A snapshot still open for PutSnapshotBlock is pending.
    open_ = start(client, 1)["SnapshotId"]
    [pending] = ec2.describe_snapshots(SnapshotIds=[open_])["Snapshots"]
    assert pending["State"] == "pending" and pending["VolumeId"] == "vol-ffffffff"


def test_volume_from_snapshot_then_snapshot_reads_the_original(ec2, client, original):
    src, blocks = original
    vid = new_volume(ec2, None, SnapshotId=src)
    sid = snapshot_volume(ec2, vid)
    [snap] = ec2.describe_snapshots(SnapshotIds=[sid])["Snapshots"]
    assert snap["VolumeId"] == vid and snap["VolumeSize"] == 2
    # Every block of the EC2 snapshot, read through the EBS direct APIs, is the original.
    _, pages = list_blocks(client, sid)
    assert pages[0]["VolumeSize"] == 2 and pages[0]["BlockSize"] == BLOCK
    assert_snapshot_equals(client, sid, blocks)
    # Nothing changed between the source and the volume's snapshot.
    changed, _ = list_changed(client, src, sid)
    assert changed == []


def test_snapshot_chain_through_volumes(ec2, client, original):
    src, blocks = original
    v1 = new_volume(ec2, None, SnapshotId=src)
    s1 = snapshot_volume(ec2, v1)
    v2 = new_volume(ec2, None, SnapshotId=s1, az="us-east-1c")
    s2 = snapshot_volume(ec2, v2)
    s2b = snapshot_volume(ec2, v2)
    for sid in (s1, s2, s2b):
        assert_snapshot_equals(client, sid, blocks)
    assert list_changed(client, src, s2)[0] == []
    assert list_changed(client, s1, s2)[0] == []
    # A second snapshot of an unchanged volume has no changed blocks.
    assert list_changed(client, s2, s2b)[0] == []


def test_grown_volume_snapshot_keeps_blocks(ec2, client, original):
    src, blocks = original
    vid = new_volume(ec2, 5, SnapshotId=src)
    sid = snapshot_volume(ec2, vid)
    [snap] = ec2.describe_snapshots(SnapshotIds=[sid])["Snapshots"]
    assert snap["VolumeSize"] == 5
    _, pages = list_blocks(client, sid)
    assert pages[0]["VolumeSize"] == 5
    assert_snapshot_equals(client, sid, blocks)
    # ModifyVolume after creation: the next snapshot has the new size and the same blocks.
    ec2.modify_volume(VolumeId=vid, Size=7)
    sid7 = snapshot_volume(ec2, vid)
    assert ec2.describe_snapshots(SnapshotIds=[sid7])["Snapshots"][0]["VolumeSize"] == 7
    assert_snapshot_equals(client, sid7, blocks)


def test_volume_keeps_its_bytes_when_its_source_is_deleted(ec2, client):
    blocks = {i: rand_block(502, i) for i in (0, 7, 1500)}
    src = upload(client, blocks, size=1)
    vid = new_volume(ec2, None, SnapshotId=src)
    ec2.delete_snapshot(SnapshotId=src)
    expect_error(lambda: ec2.describe_snapshots(SnapshotIds=[src]), "InvalidSnapshot.NotFound", 400)
    sid = snapshot_volume(ec2, vid)
    assert_snapshot_equals(client, sid, blocks)


def test_copy_snapshot_shares_the_bytes(ec2, client):
    blocks = {i: rand_block(503, i) for i in (3, 4, 2000)}
    src = upload(client, blocks, size=1)
    copy = ec2.copy_snapshot(SourceSnapshotId=src, SourceRegion="us-east-1", Description="copy")["SnapshotId"]
    wait_snapshots(ec2, [copy])
    ec2.delete_snapshot(SnapshotId=src)
    assert_snapshot_equals(client, copy, blocks)
    vid = new_volume(ec2, None, SnapshotId=copy)
    assert_snapshot_equals(client, snapshot_volume(ec2, vid), blocks)


def test_empty_volume_snapshot_has_no_blocks(ec2, client):
    vid = new_volume(ec2, 3)
    sid = snapshot_volume(ec2, vid)
    listed, pages = list_blocks(client, sid)
    assert listed == []
    assert pages[0]["VolumeSize"] == 3 and pages[0]["BlockSize"] == BLOCK
    # A second snapshot of the empty volume: nothing changed against the first.
    assert list_changed(client, sid, snapshot_volume(ec2, vid))[0] == []


def test_instance_mapping_from_snapshot_and_create_snapshots(ec2, client, original):
    src, blocks = original
    inst = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1,
        BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": src}},
            {"DeviceName": "/dev/sdb", "Ebs": {"VolumeSize": 1}},
        ],
    )["Instances"][0]
    root = {m["DeviceName"]: m["Ebs"]["VolumeId"] for m in inst["BlockDeviceMappings"]}["/dev/xvda"]
    snaps = ec2.create_snapshots(InstanceSpecification={"InstanceId": inst["InstanceId"]})["Snapshots"]
    done = {s["VolumeId"]: s for s in wait_snapshots(ec2, [s["SnapshotId"] for s in snaps])}
    assert len(done) == 2
    assert_snapshot_equals(client, done[root]["SnapshotId"], blocks)
    data = [s for v, s in done.items() if v != root][0]
    assert list_blocks(client, data["SnapshotId"])[0] == []


def test_ebs_child_of_an_ec2_snapshot(ec2, client, original):
    src, blocks = original
    vid = new_volume(ec2, None, SnapshotId=src)
    ec2_snap = snapshot_volume(ec2, vid)
    written = {7: rand_block(504, 7), 0: rand_block(504, 0)}
    child = upload(client, written, size=2, parent=ec2_snap)
    changed, _ = list_changed(client, ec2_snap, child)
    assert sorted(c["BlockIndex"] for c in changed) == [0, 7]
    assert_snapshot_equals(client, child, {**blocks, **written})
    [snap] = ec2.describe_snapshots(SnapshotIds=[child])["Snapshots"]
    assert snap["State"] == "completed" and snap["VolumeId"] == "vol-ffffffff"


def test_tagging_an_ebs_snapshot_through_ec2(ec2, client):
    sid = upload(client, {0: rand_block(505, 0)}, size=1)
    ec2.create_tags(Resources=[sid], Tags=[{"Key": "added", "Value": "by-ec2"}])
    assert tags_of(ec2.describe_snapshots(SnapshotIds=[sid])["Snapshots"][0]) == {"added": "by-ec2"}
    vol = new_volume(ec2, None, SnapshotId=sid, TagSpecifications=tag_spec("volume", {"from": sid}))
    assert tags_of(ec2.describe_volumes(VolumeIds=[vol])["Volumes"][0]) == {"from": sid}

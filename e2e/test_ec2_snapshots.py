"""EC2 snapshots: CreateSnapshot, CreateSnapshots, DescribeSnapshots (ids, owners, filters,
paginator), DeleteSnapshot, CopySnapshot and the snapshot_completed waiter."""

import datetime as dt
import secrets

import pytest

from helpers import (
    ACCOUNT_ID_RE,
    AZ,
    FAST_WAIT,
    SNAP_ID_RE,
    UNKNOWN_INSTANCE,
    UNKNOWN_SNAPSHOT,
    UNKNOWN_VOLUME,
    complete,
    ec2_error,
    ec2_query,
    ec2_time,
    expect_error,
    new_volume,
    put,
    small_block,
    start,
    status_of,
    tag_spec,
    tags_of,
    unique,
    upload,
    wait_snapshots,
)

IPV = "InvalidParameterValue"
PROGRESS = r"^(100|[1-9]?[0-9])%$"
AMI = "ami-0abcdef1234567890"


def snapshot_ids(ec2, **kw) -> list[str]:
    return sorted(s["SnapshotId"] for s in ec2.describe_snapshots(**kw)["Snapshots"])


def by_filters(ec2, *filters, **kw) -> list[str]:
    return snapshot_ids(ec2, Filters=[{"Name": n, "Values": v} for n, v in filters], **kw)


# ----------------------------------------------------------- CreateSnapshot


def test_create_snapshot_pending_then_completed(ec2):
    import re

    run = unique("cs")
    vid = new_volume(ec2, 3)
    before = dt.datetime.now(dt.timezone.utc)
    resp = ec2.create_snapshot(
        VolumeId=vid, Description="Daily Backup", TagSpecifications=tag_spec("snapshot", {"run": run, "k": "v"})
    )
    assert status_of(resp) == 200
    sid = resp["SnapshotId"]
    assert SNAP_ID_RE.match(sid), sid
    assert resp["State"] == "pending"
    assert re.match(PROGRESS, resp["Progress"]), resp["Progress"]
    assert resp["VolumeId"] == vid
    assert resp["VolumeSize"] == 3
    assert resp["Description"] == "Daily Backup"
    assert ACCOUNT_ID_RE.match(resp["OwnerId"]), resp["OwnerId"]
    assert resp["Encrypted"] is False
    assert tags_of(resp) == {"run": run, "k": "v"}
    assert before - dt.timedelta(seconds=5) <= resp["StartTime"] <= dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=5)

    [snap] = wait_snapshots(ec2, [sid])
    assert snap["State"] == "completed"
    assert snap["Progress"] == "100%"
    assert snap["StartTime"] == resp["StartTime"]
    assert snap["VolumeId"] == vid and snap["VolumeSize"] == 3
    assert snap["OwnerId"] == resp["OwnerId"]
    assert snap["Description"] == "Daily Backup"
    assert tags_of(snap) == {"run": run, "k": "v"}
    assert "StateMessage" not in snap


def test_description_up_to_255_characters(ec2):
    vid = new_volume(ec2, 1)
    for text in ("d" * 255, "é" * 255, "水" * 255):
        sid = ec2.create_snapshot(VolumeId=vid, Description=text)["SnapshotId"]
        assert ec2.describe_snapshots(SnapshotIds=[sid])["Snapshots"][0]["Description"] == text
    run = unique("long")
    for text in ("d" * 256, "é" * 256, "e\u0301" * 128):  # the last: 128 characters, 256 code points
        expect_error(
            lambda: ec2.create_snapshot(
                VolumeId=vid, Description=text, TagSpecifications=tag_spec("snapshot", {"run": run})
            ),
            IPV,
            400,
        )
    assert by_filters(ec2, ("tag:run", [run])) == []


def test_create_snapshot_dry_run(ec2):
    vid = new_volume(ec2, 1)
    e = expect_error(lambda: ec2.create_snapshot(VolumeId=vid, DryRun=True), "DryRunOperation", 412)
    assert e.response["Error"]["Message"]
    assert by_filters(ec2, ("volume-id", [vid])) == []
    # DryRun still checks the parameters: an unknown volume is not a DryRunOperation.
    expect_error(lambda: ec2.create_snapshot(VolumeId=UNKNOWN_VOLUME, DryRun=True), "InvalidVolume.NotFound", 400)


def test_create_snapshot_errors(ec2):
    vid = new_volume(ec2, 1)
    expect_error(lambda: ec2.create_snapshot(VolumeId=UNKNOWN_VOLUME), "InvalidVolume.NotFound", 400)
    expect_error(lambda: ec2.create_snapshot(VolumeId="vol-12"), "InvalidVolumeID.Malformed", 400)
    expect_error(lambda: ec2.create_snapshot(), "MissingParameter", 400)
    # Tags for another resource type, or over EC2's limits.
    expect_error(lambda: ec2.create_snapshot(VolumeId=vid, TagSpecifications=tag_spec("volume", {"a": "b"})), IPV, 400)
    expect_error(lambda: ec2.create_snapshot(VolumeId=vid, TagSpecifications=tag_spec("snapshot", {"aws:x": "b"})), IPV, 400)
    expect_error(lambda: ec2.create_snapshot(VolumeId=vid, TagSpecifications=tag_spec("snapshot", {"k" * 128: "b"})), IPV, 400)
    too_many = {f"k{i}": "v" for i in range(51)}
    expect_error(
        lambda: ec2.create_snapshot(VolumeId=vid, TagSpecifications=tag_spec("snapshot", too_many)),
        (IPV, "TagLimitExceeded"),
        400,
    )
    assert by_filters(ec2, ("volume-id", [vid])) == []


def test_snapshot_completed_waiter_over_many(ec2):
    vids = [new_volume(ec2, 1) for _ in range(3)]
    sids = [ec2.create_snapshot(VolumeId=v)["SnapshotId"] for v in vids]
    ec2.get_waiter("snapshot_completed").wait(SnapshotIds=sids, WaiterConfig=FAST_WAIT)
    snaps = ec2.describe_snapshots(SnapshotIds=sids)["Snapshots"]
    assert sorted(s["SnapshotId"] for s in snaps) == sorted(sids)
    assert all(s["State"] == "completed" and s["Progress"] == "100%" for s in snaps)
    assert {s["SnapshotId"]: s["VolumeId"] for s in snaps} == dict(zip(sids, vids))


# ---------------------------------------------------------- CreateSnapshots


@pytest.fixture
def three_volume_instance(ec2):
    """An instance with a root volume and two data volumes, the volumes tagged."""
    run = unique("multi")
    inst = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, Placement={"AvailabilityZone": AZ},
        BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 2}},
            {"DeviceName": "/dev/sdb", "Ebs": {"VolumeSize": 3}},
        ],
    )["Instances"][0]
    iid = inst["InstanceId"]
    vols = {m["DeviceName"]: m["Ebs"]["VolumeId"] for m in inst["BlockDeviceMappings"]}
    extra = new_volume(ec2, 4, tags={"name": "data-c", "run": run})
    ec2.attach_volume(VolumeId=extra, InstanceId=iid, Device="/dev/sdc")
    vols["/dev/sdc"] = extra
    ec2.create_tags(Resources=[vols["/dev/xvda"]], Tags=[{"Key": "name", "Value": "root"}, {"Key": "run", "Value": run}])
    ec2.create_tags(Resources=[vols["/dev/sdb"]], Tags=[{"Key": "name", "Value": "data-b"}])
    return iid, vols, run


def test_create_snapshots_of_every_volume_at_one_instant(ec2, three_volume_instance):
    iid, vols, run = three_volume_instance
    resp = ec2.create_snapshots(
        InstanceSpecification={"InstanceId": iid},
        Description="multi",
        TagSpecifications=tag_spec("snapshot", {"set": run}),
    )
    assert status_of(resp) == 200
    snaps = resp["Snapshots"]
    assert sorted(s["VolumeId"] for s in snaps) == sorted(vols.values())
    assert len({s["SnapshotId"] for s in snaps}) == 3
    assert all(SNAP_ID_RE.match(s["SnapshotId"]) for s in snaps)
    # CreateSnapshots' items carry <state>: botocore must see State.
    assert all(s["State"] == "pending" for s in snaps), [s.get("State") for s in snaps]
    assert len({s["StartTime"] for s in snaps}) == 1, [s["StartTime"] for s in snaps]
    sizes = {vols["/dev/xvda"]: 2, vols["/dev/sdb"]: 3, vols["/dev/sdc"]: 4}
    assert all(s["VolumeSize"] == sizes[s["VolumeId"]] for s in snaps)
    assert all(s["Description"] == "multi" and tags_of(s) == {"set": run} for s in snaps)
    owner = {s["OwnerId"] for s in snaps}
    assert len(owner) == 1 and ACCOUNT_ID_RE.match(owner.pop())

    done = wait_snapshots(ec2, [s["SnapshotId"] for s in snaps])
    assert all(s["State"] == "completed" for s in done)
    assert len({s["StartTime"] for s in done}) == 1
    assert by_filters(ec2, ("tag:set", [run])) == sorted(s["SnapshotId"] for s in snaps)


def test_create_snapshots_exclude_boot_volume(ec2, three_volume_instance):
    iid, vols, _ = three_volume_instance
    snaps = ec2.create_snapshots(InstanceSpecification={"InstanceId": iid, "ExcludeBootVolume": True})["Snapshots"]
    assert sorted(s["VolumeId"] for s in snaps) == sorted([vols["/dev/sdb"], vols["/dev/sdc"]])


def test_create_snapshots_exclude_data_volumes(ec2, three_volume_instance):
    iid, vols, _ = three_volume_instance
    snaps = ec2.create_snapshots(
        InstanceSpecification={"InstanceId": iid, "ExcludeDataVolumeIds": [vols["/dev/sdb"]]}
    )["Snapshots"]
    assert sorted(s["VolumeId"] for s in snaps) == sorted([vols["/dev/xvda"], vols["/dev/sdc"]])
    snaps = ec2.create_snapshots(
        InstanceSpecification={
            "InstanceId": iid, "ExcludeBootVolume": True, "ExcludeDataVolumeIds": [vols["/dev/sdb"]],
        }
    )["Snapshots"]
    assert [s["VolumeId"] for s in snaps] == [vols["/dev/sdc"]]


def test_create_snapshots_exclusion_errors(ec2, three_volume_instance):
    iid, vols, _ = three_volume_instance
    before = by_filters(ec2, ("volume-id", list(vols.values())))
    # The root volume in ExcludeDataVolumeIds is an error (ExcludeBootVolume is the way).
    expect_error(
        lambda: ec2.create_snapshots(InstanceSpecification={"InstanceId": iid, "ExcludeDataVolumeIds": [vols["/dev/xvda"]]}),
        (IPV, "InvalidParameterCombination"),
        400,
    )
    # At most 40 ids.
    many = [f"vol-{secrets.token_hex(9)[:17]}" for _ in range(41)]
    expect_error(
        lambda: ec2.create_snapshots(InstanceSpecification={"InstanceId": iid, "ExcludeDataVolumeIds": many}), IPV, 400
    )
    expect_error(
        lambda: ec2.create_snapshots(InstanceSpecification={"InstanceId": iid, "ExcludeDataVolumeIds": ["vol-zz"]}),
        "InvalidVolumeID.Malformed",
        400,
    )
    expect_error(lambda: ec2.create_snapshots(InstanceSpecification={"InstanceId": iid}, DryRun=True), "DryRunOperation", 412)
    expect_error(
        lambda: ec2.create_snapshots(InstanceSpecification={"InstanceId": UNKNOWN_INSTANCE}), "InvalidInstanceID.NotFound", 400
    )
    expect_error(lambda: ec2.create_snapshots(InstanceSpecification={}), "MissingParameter", 400)
    expect_error(lambda: ec2.create_snapshots(), "MissingParameter", 400)
    assert by_filters(ec2, ("volume-id", list(vols.values()))) == before


def test_create_snapshots_copy_tags_from_volume(ec2, three_volume_instance):
    iid, vols, run = three_volume_instance
    snaps = ec2.create_snapshots(
        InstanceSpecification={"InstanceId": iid},
        CopyTagsFromSource="volume",
        TagSpecifications=tag_spec("snapshot", {"backup": "yes", "name": "override"}),
    )["Snapshots"]
    by_volume = {s["VolumeId"]: tags_of(s) for s in snaps}
    assert by_volume[vols["/dev/xvda"]] == {"name": "override", "run": run, "backup": "yes"}
    assert by_volume[vols["/dev/sdb"]] == {"name": "override", "backup": "yes"}
    assert by_volume[vols["/dev/sdc"]] == {"name": "override", "run": run, "backup": "yes"}
    described = {s["VolumeId"]: tags_of(s) for s in wait_snapshots(ec2, [s["SnapshotId"] for s in snaps])}
    assert described == by_volume

    snaps = ec2.create_snapshots(InstanceSpecification={"InstanceId": iid}, CopyTagsFromSource="volume")["Snapshots"]
    assert {s["VolumeId"]: tags_of(s) for s in snaps} == {
        vols["/dev/xvda"]: {"name": "root", "run": run},
        vols["/dev/sdb"]: {"name": "data-b"},
        vols["/dev/sdc"]: {"name": "data-c", "run": run},
    }
    # Without CopyTagsFromSource nothing is copied.
    snaps = ec2.create_snapshots(InstanceSpecification={"InstanceId": iid})["Snapshots"]
    assert all(tags_of(s) == {} for s in snaps)


# -------------------------------------------------------- DescribeSnapshots


def test_describe_by_ids(ec2):
    vid = new_volume(ec2, 1)
    a = ec2.create_snapshot(VolumeId=vid)["SnapshotId"]
    b = ec2.create_snapshot(VolumeId=vid)["SnapshotId"]
    assert snapshot_ids(ec2, SnapshotIds=[a, b]) == sorted([a, b])
    assert snapshot_ids(ec2, SnapshotIds=[b]) == [b]
    e = expect_error(lambda: ec2.describe_snapshots(SnapshotIds=[a, UNKNOWN_SNAPSHOT]), "InvalidSnapshot.NotFound", 400)
    assert UNKNOWN_SNAPSHOT in e.response["Error"]["Message"]
    expect_error(lambda: ec2.describe_snapshots(SnapshotIds=["snap-nothex"]), "InvalidSnapshotID.Malformed", 400)


@pytest.fixture
def catalog(tenant):
    """A fresh account with five snapshots of different kinds:
    big (EC2, 2 GiB, tagged), small1/small2 (EC2, 1 GiB), ebs (EBS direct, completed),
    open (EBS direct, pending)."""
    ec2 = tenant.ec2
    v2 = new_volume(ec2, 2)
    v1 = new_volume(ec2, 1)
    big = ec2.create_snapshot(
        VolumeId=v2, Description="nightly big", TagSpecifications=tag_spec("snapshot", {"env": "prod", "tier": "gold"})
    )["SnapshotId"]
    small1 = ec2.create_snapshot(VolumeId=v1, Description="nightly small",
                                 TagSpecifications=tag_spec("snapshot", {"env": "dev"}))["SnapshotId"]
    small2 = ec2.create_snapshot(VolumeId=v1, Description="manual")["SnapshotId"]
    ebs = upload(tenant.ebs, {1: small_block(77)}, size=1, Description="direct")
    wait_snapshots(ec2, [big, small1, small2, ebs])
    open_ = start(tenant.ebs, 1, Description="open")["SnapshotId"]
    return dict(tenant=tenant, v1=v1, v2=v2, big=big, small1=small1, small2=small2, ebs=ebs, open=open_)


def test_describe_filters(catalog):
    c = catalog
    ec2 = c["tenant"].ec2
    every = sorted([c["big"], c["small1"], c["small2"], c["ebs"], c["open"]])
    assert snapshot_ids(ec2) == every
    assert snapshot_ids(ec2, OwnerIds=["self"]) == every
    assert by_filters(ec2, ("snapshot-id", [c["big"], c["ebs"]])) == sorted([c["big"], c["ebs"]])
    assert by_filters(ec2, ("volume-id", [c["v1"]])) == sorted([c["small1"], c["small2"]])
    assert by_filters(ec2, ("volume-id", ["vol-ffffffff"])) == sorted([c["ebs"], c["open"]])
    assert by_filters(ec2, ("status", ["pending"])) == [c["open"]]
    assert by_filters(ec2, ("status", ["completed"])) == sorted(set(every) - {c["open"]})
    assert by_filters(ec2, ("status", ["error"])) == []
    assert by_filters(ec2, ("owner-id", [c["tenant"].id])) == every
    assert by_filters(ec2, ("owner-id", ["000000000000"])) == []
    assert by_filters(ec2, ("description", ["nightly*"])) == sorted([c["big"], c["small1"]])
    assert by_filters(ec2, ("description", ["manual"])) == [c["small2"]]
    assert by_filters(ec2, ("description", ["night?y big"])) == [c["big"]]
    assert by_filters(ec2, ("progress", ["100%"])) == sorted(set(every) - {c["open"]})
    assert by_filters(ec2, ("volume-size", ["2"])) == [c["big"]]
    assert by_filters(ec2, ("volume-size", ["1"])) == sorted(set(every) - {c["big"]})
    assert by_filters(ec2, ("encrypted", ["false"])) == every
    assert by_filters(ec2, ("encrypted", ["true"])) == []
    assert by_filters(ec2, ("transfer-type", ["standard"])) == every
    assert by_filters(ec2, ("transfer-type", ["stand*"])) == every
    assert by_filters(ec2, ("transfer-type", ["time-based"])) == []
    assert by_filters(ec2, ("tag:env", ["prod"])) == [c["big"]]
    assert by_filters(ec2, ("tag:env", ["prod", "dev"])) == sorted([c["big"], c["small1"]])
    assert by_filters(ec2, ("tag-key", ["tier"])) == [c["big"]]
    assert by_filters(ec2, ("tag-key", ["env"])) == sorted([c["big"], c["small1"]])
    # AND across filters.
    assert by_filters(ec2, ("tag-key", ["env"]), ("volume-size", ["1"])) == [c["small1"]]
    assert by_filters(ec2, ("description", ["nightly*"]), ("tag:env", ["dev"]), ("status", ["completed"])) == [c["small1"]]


def test_describe_start_time_filter(catalog):
    c = catalog
    ec2 = c["tenant"].ec2
    snap = ec2.describe_snapshots(SnapshotIds=[c["big"]])["Snapshots"][0]
    exact = ec2_time(snap["StartTime"])
    assert c["big"] in by_filters(ec2, ("start-time", [exact]))
    day = exact[:10]
    assert c["big"] in by_filters(ec2, ("start-time", [day + "*"]))
    assert by_filters(ec2, ("start-time", ["1999-01-01*"])) == []


def test_describe_bad_filters(ec2):
    expect_error(lambda: ec2.describe_snapshots(Filters=[{"Name": "colour", "Values": ["red"]}]), IPV, 400)
    expect_error(lambda: ec2.describe_snapshots(Filters=[{"Name": "volume_id", "Values": ["vol-1"]}]), IPV, 400)


def test_describe_paginator_over_three_pages(tenant):
    ec2 = tenant.ec2
    vid = new_volume(ec2, 1)
    made = sorted(ec2.create_snapshot(VolumeId=vid)["SnapshotId"] for _ in range(13))
    pages = list(ec2.get_paginator("describe_snapshots").paginate(OwnerIds=["self"], PaginationConfig={"PageSize": 5}))
    assert [len(p["Snapshots"]) for p in pages] == [5, 5, 3]
    assert all(p.get("NextToken") for p in pages[:2]) and not pages[2].get("NextToken")
    seen = [s["SnapshotId"] for p in pages for s in p["Snapshots"]]
    assert len(set(seen)) == 13 and sorted(seen) == made
    # The paginator with a filter walks the same way.
    full = ec2.get_paginator("describe_snapshots").paginate(
        Filters=[{"Name": "volume-id", "Values": [vid]}], PaginationConfig={"PageSize": 5}
    ).build_full_result()
    assert sorted(s["SnapshotId"] for s in full["Snapshots"]) == made


def test_describe_shows_every_change_after_a_listing(tenant):
    """A listing keeps each snapshot's rendered XML until the snapshot changes: every kind of
    change (progress, completion, tags added, retagged, removed, deletion) shows in the next
    unfiltered listing, and an unchanged neighbour stays as it was."""
    ec2, ebs = tenant.ec2, tenant.ebs
    sid = start(ebs, 1, Description="watched")["SnapshotId"]
    neighbour = ec2.create_snapshot(VolumeId=new_volume(ec2, 1), Description="neighbour")["SnapshotId"]
    wait_snapshots(ec2, [neighbour])

    def listing() -> dict:
        pages = ec2.get_paginator("describe_snapshots").paginate(OwnerIds=["self"], PaginationConfig={"PageSize": 5})
        return {s["SnapshotId"]: s for p in pages for s in p["Snapshots"]}

    first = listing()
    assert first[sid]["State"] == "pending" and first[sid]["Progress"] == "0%"
    put(ebs, sid, 0, small_block(1), progress=40)
    assert listing()[sid]["Progress"] == "40%"
    complete(ebs, sid, 1)
    wait_snapshots(ec2, [sid])
    done = listing()[sid]
    assert done["State"] == "completed" and done["Progress"] == "100%" and "CompletionTime" in done
    ec2.create_tags(Resources=[sid], Tags=[{"Key": "team", "Value": "a"}])
    assert tags_of(listing()[sid]) == {"team": "a"}
    ec2.create_tags(Resources=[sid], Tags=[{"Key": "team", "Value": "b"}, {"Key": "tier", "Value": ""}])
    assert tags_of(listing()[sid]) == {"team": "b", "tier": ""}
    ec2.delete_tags(Resources=[sid], Tags=[{"Key": "team"}])
    assert tags_of(listing()[sid]) == {"tier": ""}
    ec2.delete_snapshot(SnapshotId=sid)
    last = listing()
    assert sid not in last
    assert last[neighbour] == first[neighbour]


def test_describe_pages_read_ahead_show_changes_made_between_pages(tenant):
    """Pages of 100 or more are read ahead (the next page rendered while the client parses this
    one): a snapshot of the next page tagged after this page was answered shows its new tag,
    a deleted one is gone, and walks list every snapshot once."""
    ec2 = tenant.ec2
    source = ec2.create_snapshot(VolumeId=new_volume(ec2, 1))["SnapshotId"]
    wait_snapshots(ec2, [source])
    copies = [ec2.copy_snapshot(SourceSnapshotId=source, SourceRegion="us-east-1")["SnapshotId"] for _ in range(250)]
    every = sorted([source] + copies)
    wait_snapshots(ec2, copies)

    first = ec2.describe_snapshots(OwnerIds=["self"], MaxResults=100)
    assert [s["SnapshotId"] for s in first["Snapshots"]] == every[:100]
    tagged, deleted = every[150], every[151]
    ec2.create_tags(Resources=[tagged], Tags=[{"Key": "after", "Value": "page one"}])
    ec2.delete_snapshot(SnapshotId=deleted)
    second = ec2.describe_snapshots(OwnerIds=["self"], MaxResults=100, NextToken=first["NextToken"])
    got = {s["SnapshotId"]: s for s in second["Snapshots"]}
    assert deleted not in got
    assert tags_of(got[tagged]) == {"after": "page one"}
    assert list(got) == [i for i in every[100:201] if i != deleted]

    remaining = [i for i in every if i != deleted]
    for _ in range(2):
        pages = ec2.get_paginator("describe_snapshots").paginate(OwnerIds=["self"], PaginationConfig={"PageSize": 100})
        assert [s["SnapshotId"] for p in pages for s in p["Snapshots"]] == remaining


def test_describe_paging_errors(ec2):
    vid = new_volume(ec2, 1)
    sid = ec2.create_snapshot(VolumeId=vid)["SnapshotId"]
    expect_error(lambda: ec2.describe_snapshots(MaxResults=5, NextToken="Zm9yZ2Vk"), "InvalidNextToken", 400)
    expect_error(lambda: ec2.describe_snapshots(OwnerIds=["self"], MaxResults=4), IPV, 400)
    expect_error(lambda: ec2.describe_snapshots(OwnerIds=["self"], MaxResults=1001), IPV, 400)
    expect_error(lambda: ec2.describe_snapshots(SnapshotIds=[sid], MaxResults=5), "InvalidParameterCombination", 400)


@pytest.mark.parametrize("field,value", [
    ("OwnerIds", "foo"), ("OwnerIds", ""), ("OwnerIds", "123"), ("OwnerIds", "1234567890123"),
    ("RestorableByUserIds", "foo"), ("RestorableByUserIds", "amazon"),
])
def test_describe_snapshots_refuses_malformed_user_ids(ec2, field, value):
    expect_error(lambda: ec2.describe_snapshots(**{field: [value]}), "InvalidUserID.Malformed", 400)


def test_describe_snapshots_owner_aliases_and_accounts_select_without_error(tenant):
    ec2 = tenant.ec2
    sid = ec2.create_snapshot(VolumeId=new_volume(ec2, 1))["SnapshotId"]
    assert ec2.describe_snapshots(OwnerIds=["amazon"])["Snapshots"] == []
    assert ec2.describe_snapshots(OwnerIds=["999999999999"])["Snapshots"] == []
    assert [s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=[tenant.id])["Snapshots"]] == [sid]
    assert [s["SnapshotId"] for s in ec2.describe_snapshots(RestorableByUserIds=["self"])["Snapshots"]] == [sid]


def test_forged_next_token_variants(tenant):
    ec2 = tenant.ec2
    vid = new_volume(ec2, 1)
    for _ in range(6):
        ec2.create_snapshot(VolumeId=vid)
    page = ec2.describe_snapshots(OwnerIds=["self"], MaxResults=5)
    token = page["NextToken"]
    assert len(page["Snapshots"]) == 5
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    for forged in (flipped, token[:-4], token + "AAAA", "snap-" + "0" * 17):
        expect_error(
            lambda: ec2.describe_snapshots(OwnerIds=["self"], MaxResults=5, NextToken=forged), "InvalidNextToken", 400
        )
    # The genuine token still works.
    rest = ec2.describe_snapshots(OwnerIds=["self"], MaxResults=5, NextToken=token)
    assert len(rest["Snapshots"]) == 1


# ----------------------------------------------------------- DeleteSnapshot


def test_delete_snapshot(ec2):
    vid = new_volume(ec2, 1)
    [snap] = wait_snapshots(ec2, [ec2.create_snapshot(VolumeId=vid)["SnapshotId"]])
    sid = snap["SnapshotId"]
    expect_error(lambda: ec2.delete_snapshot(SnapshotId=sid, DryRun=True), "DryRunOperation", 412)
    assert snapshot_ids(ec2, SnapshotIds=[sid]) == [sid]
    resp = ec2.delete_snapshot(SnapshotId=sid)
    assert status_of(resp) == 200
    expect_error(lambda: ec2.describe_snapshots(SnapshotIds=[sid]), "InvalidSnapshot.NotFound", 400)
    assert by_filters(ec2, ("snapshot-id", [sid])) == []
    expect_error(lambda: ec2.delete_snapshot(SnapshotId=sid), "InvalidSnapshot.NotFound", 400)
    expect_error(lambda: ec2.delete_snapshot(SnapshotId="snap-1"), "InvalidSnapshotID.Malformed", 400)
    expect_error(lambda: ec2.delete_snapshot(), "MissingParameter", 400)


def test_delete_snapshot_made_through_ebs(ec2, client):
    sid = upload(client, {0: small_block(5)})
    ec2.delete_snapshot(SnapshotId=sid)
    expect_error(lambda: ec2.describe_snapshots(SnapshotIds=[sid]), "InvalidSnapshot.NotFound", 400)
    expect_error(lambda: client.list_snapshot_blocks(SnapshotId=sid), ("ResourceNotFoundException", "ValidationException"))


# ------------------------------------------------------------- CopySnapshot


def test_copy_snapshot_same_region(ec2):
    vid = new_volume(ec2, 2)
    src = ec2.create_snapshot(VolumeId=vid, Description="source",
                              TagSpecifications=tag_spec("snapshot", {"src": "yes"}))["SnapshotId"]
    wait_snapshots(ec2, [src])
    resp = ec2.copy_snapshot(
        SourceSnapshotId=src, SourceRegion="us-east-1", Description="the copy",
        TagSpecifications=tag_spec("snapshot", {"copy": "yes"}),
    )
    assert status_of(resp) == 200
    cid = resp["SnapshotId"]
    assert SNAP_ID_RE.match(cid) and cid != src
    assert tags_of(resp) == {"copy": "yes"}
    [copy, source] = wait_snapshots(ec2, [cid, src])
    assert copy["State"] == "completed"
    assert copy["Description"] == "the copy"
    assert copy["VolumeSize"] == 2
    assert copy["VolumeId"] == "vol-ffffffff"
    assert tags_of(copy) == {"copy": "yes"}
    assert copy["OwnerId"] == source["OwnerId"]
    assert source["Description"] == "source" and tags_of(source) == {"src": "yes"} and source["VolumeId"] == vid
    # A copy without a description keeps usable defaults; the source may be deleted afterwards.
    cid2 = ec2.copy_snapshot(SourceSnapshotId=src, SourceRegion="us-east-1")["SnapshotId"]
    ec2.delete_snapshot(SnapshotId=src)
    [copy2] = wait_snapshots(ec2, [cid2])
    assert copy2["State"] == "completed" and copy2["VolumeSize"] == 2


def test_copy_snapshot_errors(ec2):
    vid = new_volume(ec2, 1)
    [src] = wait_snapshots(ec2, [ec2.create_snapshot(VolumeId=vid)["SnapshotId"]])
    sid = src["SnapshotId"]
    before = snapshot_ids(ec2, OwnerIds=["self"], Filters=[{"Name": "volume-id", "Values": ["vol-ffffffff"]}])
    expect_error(lambda: ec2.copy_snapshot(SourceSnapshotId=sid, SourceRegion="us-west-2"), IPV, 400)
    expect_error(lambda: ec2.copy_snapshot(SourceSnapshotId=sid, SourceRegion="us-east-1", DryRun=True), "DryRunOperation", 412)
    expect_error(
        lambda: ec2.copy_snapshot(SourceSnapshotId=UNKNOWN_SNAPSHOT, SourceRegion="us-east-1"), "InvalidSnapshot.NotFound", 400
    )
    expect_error(lambda: ec2.copy_snapshot(SourceSnapshotId="snap-q", SourceRegion="us-east-1"), "InvalidSnapshotID.Malformed", 400)
    expect_error(lambda: ec2.copy_snapshot(SourceSnapshotId=sid, SourceRegion="us-east-1", Description="x" * 256), IPV, 400)
    after = snapshot_ids(ec2, OwnerIds=["self"], Filters=[{"Name": "volume-id", "Values": ["vol-ffffffff"]}])
    assert after == before


def test_time_based_copy(tenant):
    """CompletionDurationMinutes: 15-2880 in 15-minute steps; our copies complete at once and
    show TransferType time-based with the duration asked for."""
    ec2 = tenant.ec2
    vid = new_volume(ec2, 1)
    [src] = wait_snapshots(ec2, [ec2.create_snapshot(VolumeId=vid)["SnapshotId"]])
    sid = src["SnapshotId"]
    assert "TransferType" not in src and "CompletionDurationMinutes" not in src
    for bad in (1, 14, 20, 2881, 2895):  # (below 1 botocore itself refuses)
        e = expect_error(lambda: ec2.copy_snapshot(SourceSnapshotId=sid, SourceRegion="us-east-1",
                                                   CompletionDurationMinutes=bad), IPV, 400)
        assert "CompletionDurationMinutes" in e.response["Error"]["Message"]
    assert snapshot_ids(ec2) == [sid]
    quick = ec2.copy_snapshot(SourceSnapshotId=sid, SourceRegion="us-east-1", CompletionDurationMinutes=15)["SnapshotId"]
    slow = ec2.copy_snapshot(SourceSnapshotId=sid, SourceRegion="us-east-1", CompletionDurationMinutes=2880)["SnapshotId"]
    plain = ec2.copy_snapshot(SourceSnapshotId=sid, SourceRegion="us-east-1")["SnapshotId"]
    got = {s["SnapshotId"]: s for s in wait_snapshots(ec2, [quick, slow, plain])}
    assert got[quick]["State"] == "completed" and got[quick]["Progress"] == "100%"
    assert (got[quick]["TransferType"], got[quick]["CompletionDurationMinutes"]) == ("time-based", 15)
    assert (got[slow]["TransferType"], got[slow]["CompletionDurationMinutes"]) == ("time-based", 2880)
    assert got[plain]["TransferType"] == "standard" and "CompletionDurationMinutes" not in got[plain]
    assert by_filters(ec2, ("transfer-type", ["time-based"])) == sorted([quick, slow])
    assert by_filters(ec2, ("transfer-type", ["standard"])) == sorted([sid, plain])
    assert by_filters(ec2, ("transfer-type", ["*"])) == sorted([sid, quick, slow, plain])


def test_outposts_and_local_zones_are_refused(ec2, three_volume_instance):
    """No Outposts and no Local Zones here: their parameters are refused, not ignored."""
    iid, vols, _run = three_volume_instance
    vid = vols["/dev/sdb"]
    arn = "arn:aws:outposts:us-east-1:123456789012:outpost/op-1234567890abcdef0"
    e = expect_error(lambda: ec2.create_snapshot(VolumeId=vid, OutpostArn=arn), IPV, 400)
    assert e.response["Error"]["Message"] == f"The volume '{vid}' is not on an Outpost; omit OutpostArn."
    e = expect_error(lambda: ec2.create_snapshot(VolumeId=vid, Location="local"), IPV, 400)
    assert "Location 'local' is only supported for volumes in Local Zones" in e.response["Error"]["Message"]
    expect_error(lambda: ec2.create_snapshot(VolumeId=vid, Location="local", DryRun=True), IPV, 400)
    e = expect_error(lambda: ec2.create_snapshots(InstanceSpecification={"InstanceId": iid}, OutpostArn=arn), IPV, 400)
    assert e.response["Error"]["Message"] == f"The instance '{iid}' is not on an Outpost; omit OutpostArn."
    e = expect_error(lambda: ec2.create_snapshots(InstanceSpecification={"InstanceId": iid}, Location="local"), IPV, 400)
    assert "Local Zones" in e.response["Error"]["Message"]
    assert by_filters(ec2, ("volume-id", list(vols.values()))) == []
    # regional is what every snapshot here is.
    sid = ec2.create_snapshot(VolumeId=vid, Location="regional")["SnapshotId"]
    taken = ec2.create_snapshots(InstanceSpecification={"InstanceId": iid}, Location="regional")["Snapshots"]
    assert len(taken) == 3
    wait_snapshots(ec2, [sid] + [s["SnapshotId"] for s in taken])
    copies = by_filters(ec2, ("volume-id", ["vol-ffffffff"]), OwnerIds=["self"])
    e = expect_error(lambda: ec2.copy_snapshot(SourceSnapshotId=sid, SourceRegion="us-east-1",
                                               DestinationOutpostArn=arn), IPV, 400)
    assert "DestinationOutpostArn" in e.response["Error"]["Message"]
    e = expect_error(lambda: ec2.copy_snapshot(SourceSnapshotId=sid, SourceRegion="us-east-1",
                                               DestinationAvailabilityZone="us-east-1-bos-1a"), IPV, 400)
    assert "Local Zones" in e.response["Error"]["Message"]
    assert by_filters(ec2, ("volume-id", ["vol-ffffffff"]), OwnerIds=["self"]) == copies


def test_copy_snapshot_without_source_region(server, ec2):
    # botocore itself can't build this request (its presigned-URL hook needs SourceRegion).
    vid = new_volume(ec2, 1)
    sid = ec2.create_snapshot(VolumeId=vid)["SnapshotId"]
    message = ec2_error(ec2_query(server, {"Action": "CopySnapshot", "SourceSnapshotId": sid}), 400, "MissingParameter")
    assert "SourceRegion" in message


def test_copy_of_pending_snapshot_is_refused(ec2, client):
    pending = start(client, 1)["SnapshotId"]
    expect_error(lambda: ec2.copy_snapshot(SourceSnapshotId=pending, SourceRegion="us-east-1"), "IncorrectState", 400)

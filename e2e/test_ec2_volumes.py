"""EC2 volumes: CreateVolume (empty, from a snapshot, size rules, ClientToken),
DescribeVolumes (ids, filters, paginator), DeleteVolume, AttachVolume/DetachVolume,
ModifyVolume and the volume_available waiter."""

import datetime as dt
import secrets

import pytest

from helpers import (
    AZ,
    FAST_WAIT,
    UNKNOWN_SNAPSHOT,
    UNKNOWN_VOLUME,
    VOL_ID_RE,
    expect_error,
    new_volume,
    small_block,
    start,
    status_of,
    tag_spec,
    ec2_time,
    tags_of,
    unique,
    upload,
)

IPV = "InvalidParameterValue"


def describe_one(ec2, vid: str) -> dict:
    vols = ec2.describe_volumes(VolumeIds=[vid])["Volumes"]
    assert [v["VolumeId"] for v in vols] == [vid]
    return vols[0]


def run_instance(ec2, az: str = AZ, **kw) -> dict:
    resp = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, Placement={"AvailabilityZone": az}, **kw)
    return resp["Instances"][0]


# ------------------------------------------------------------------ create


def test_create_volume_answers_creating_then_available(ec2):
    run = unique("cv")
    before = dt.datetime.now(dt.timezone.utc)
    resp = ec2.create_volume(
        AvailabilityZone="us-east-1b", Size=3, VolumeType="gp3", TagSpecifications=tag_spec("volume", {"run": run})
    )
    assert status_of(resp) == 200
    vid = resp["VolumeId"]
    assert VOL_ID_RE.match(vid), vid
    assert resp["State"] == "creating"
    assert resp["Size"] == 3
    assert resp["AvailabilityZone"] == "us-east-1b"
    assert resp["VolumeType"] == "gp3"
    assert resp["Iops"] == 3000 and resp["Throughput"] == 125, resp
    assert resp["Encrypted"] is False
    assert tags_of(resp) == {"run": run}
    created = resp["CreateTime"]
    assert created.tzinfo is not None
    assert before - dt.timedelta(seconds=5) <= created <= dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=5)

    ec2.get_waiter("volume_available").wait(VolumeIds=[vid], WaiterConfig=FAST_WAIT)
    vol = describe_one(ec2, vid)
    assert vol["State"] == "available"
    assert vol["Attachments"] == []
    assert vol["Size"] == 3 and vol["VolumeType"] == "gp3" and vol["AvailabilityZone"] == "us-east-1b"
    assert vol.get("SnapshotId", "") == ""
    assert tags_of(vol) == {"run": run}
    assert vol["CreateTime"] == created


@pytest.mark.parametrize("az", ["us-east-1a", "us-east-1b", "us-east-1c"])
def test_every_zone_of_the_region(ec2, az):
    vid = new_volume(ec2, 1, az=az)
    assert describe_one(ec2, vid)["AvailabilityZone"] == az


@pytest.mark.parametrize("az", ["us-east-1z", "us-west-2a", ""])
def test_unknown_zone_is_refused(ec2, az):
    expect_error(lambda: ec2.create_volume(AvailabilityZone=az, Size=1), IPV, 400)


def test_gp2_default_type_and_iops(ec2):
    vol = describe_one(ec2, new_volume(ec2, 10))
    assert vol["VolumeType"] == "gp2"
    assert vol["Iops"] == 100  # 3 IOPS per GiB, at least 100
    vol = describe_one(ec2, new_volume(ec2, 100))
    assert vol["Iops"] == 300


IPC = "InvalidParameterCombination"


@pytest.mark.parametrize(
    "vtype,size,extra,error",
    [
        ("gp2", 1, {}, None),
        ("gp2", 16384, {}, None),
        ("gp2", 0, {}, IPV),
        ("gp2", -1, {}, IPV),
        ("gp2", 16385, {}, IPV),
        ("gp3", 65536, {}, None),
        ("gp3", 65537, {}, IPV),
        ("standard", 1024, {}, None),
        ("standard", 1025, {}, IPV),
        ("st1", 124, {}, IPV),
        ("st1", 125, {}, None),
        ("sc1", 16385, {}, IPV),
        ("io1", 3, {"Iops": 100}, IPV),
        ("io1", 4, {"Iops": 100}, None),
        ("io2", 4, {"Iops": 100}, None),
        ("gp3", 10, {"Iops": 2999}, IPV),
        ("gp3", 10, {"Throughput": 2001}, IPV),
        ("gp2", 10, {"Iops": 300}, IPC),
        ("magnetic", 10, {}, IPV),
    ],
)
def test_volume_size_and_type_rules(ec2, vtype, size, extra, error):
    call = lambda: ec2.create_volume(AvailabilityZone=AZ, Size=size, VolumeType=vtype, **extra)
    if error is None:
        resp = call()
        assert resp["Size"] == size and resp["VolumeType"] == vtype
        ec2.delete_volume(VolumeId=resp["VolumeId"])
    else:
        expect_error(call, error, 400)


def test_io1_without_iops_is_missing_parameter(ec2):
    expect_error(lambda: ec2.create_volume(AvailabilityZone=AZ, Size=10, VolumeType="io1"), "MissingParameter", 400)


def test_size_or_snapshot_is_required(ec2):
    expect_error(lambda: ec2.create_volume(AvailabilityZone=AZ), "MissingParameter", 400)


def test_encryption_is_refused_clearly(ec2):
    for kw in ({"Encrypted": True}, {"KmsKeyId": "alias/aws/ebs"}):
        e = expect_error(lambda: ec2.create_volume(AvailabilityZone=AZ, Size=1, **kw), IPV, 400)
        assert "ncrypt" in e.response["Error"]["Message"], e.response["Error"]


def test_dry_run_creates_nothing(ec2):
    run = unique("dry")
    expect_error(
        lambda: ec2.create_volume(AvailabilityZone=AZ, Size=1, DryRun=True, TagSpecifications=tag_spec("volume", {"run": run})),
        "DryRunOperation",
        412,
    )
    found = ec2.describe_volumes(Filters=[{"Name": "tag:run", "Values": [run]}])["Volumes"]
    assert found == []


# ---------------------------------------------------------- from snapshot


@pytest.fixture(scope="module")
def source_snapshot(client):
    """A completed 2 GiB snapshot uploaded through the EBS direct APIs."""
    return upload(client, {0: small_block(1), 4095: small_block(2)}, size=2)


def test_volume_from_snapshot_takes_its_size(ec2, source_snapshot):
    vid = new_volume(ec2, None, SnapshotId=source_snapshot)
    vol = describe_one(ec2, vid)
    assert vol["Size"] == 2
    assert vol["SnapshotId"] == source_snapshot
    assert vol["State"] == "available"


def test_volume_from_snapshot_may_grow_not_shrink(ec2, source_snapshot):
    vol = describe_one(ec2, new_volume(ec2, 5, SnapshotId=source_snapshot))
    assert vol["Size"] == 5 and vol["SnapshotId"] == source_snapshot
    expect_error(lambda: ec2.create_volume(AvailabilityZone=AZ, Size=1, SnapshotId=source_snapshot), IPV, 400)


def test_volume_from_unknown_or_malformed_snapshot(ec2):
    expect_error(
        lambda: ec2.create_volume(AvailabilityZone=AZ, SnapshotId=UNKNOWN_SNAPSHOT), "InvalidSnapshot.NotFound", 400
    )
    expect_error(
        lambda: ec2.create_volume(AvailabilityZone=AZ, SnapshotId="snap-xyz"), "InvalidSnapshotID.Malformed", 400
    )


def test_volume_from_pending_snapshot_is_incorrect_state(ec2, client):
    pending = start(client, 1)["SnapshotId"]
    expect_error(lambda: ec2.create_volume(AvailabilityZone=AZ, SnapshotId=pending), "IncorrectState", 400)


# ------------------------------------------- zone ids, Multi-Attach, initialization rate


@pytest.mark.parametrize("az,zone_id", [("us-east-1a", "use1-az1"), ("us-east-1b", "use1-az2"), ("us-east-1c", "use1-az3")])
def test_availability_zone_id_instead_of_the_zone(ec2, az, zone_id):
    resp = ec2.create_volume(AvailabilityZoneId=zone_id, Size=1)
    assert resp["AvailabilityZone"] == az and resp["AvailabilityZoneId"] == zone_id
    vol = describe_one(ec2, resp["VolumeId"])
    assert vol["AvailabilityZone"] == az and vol["AvailabilityZoneId"] == zone_id
    # The zone's id is shown for volumes created by zone name too.
    assert describe_one(ec2, new_volume(ec2, 1, az=az))["AvailabilityZoneId"] == zone_id


def test_availability_zone_and_its_id_exactly_one(ec2):
    expect_error(lambda: ec2.create_volume(AvailabilityZone=AZ, AvailabilityZoneId="use1-az1", Size=1), IPC, 400)
    e = expect_error(lambda: ec2.create_volume(Size=1), "MissingParameter", 400)
    assert "AvailabilityZone" in e.response["Error"]["Message"]
    for zone_id in ("use1-az9", "usw2-az1", ""):
        expect_error(lambda: ec2.create_volume(AvailabilityZoneId=zone_id, Size=1), IPV, 400)


@pytest.mark.parametrize("vtype", ["io1", "io2"])
def test_multi_attach_is_refused_until_a_volume_can_attach_to_several_instances(ec2, vtype):
    before = {v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]}
    e = expect_error(
        lambda: ec2.create_volume(AvailabilityZone=AZ, Size=4, VolumeType=vtype, Iops=100, MultiAttachEnabled=True),
        IPV, 400,
    )
    assert "Multi-Attach" in e.response["Error"]["Message"]
    assert {v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]} == before, "nothing was created"
    plain = new_volume(ec2, 4, VolumeType=vtype, Iops=100)
    assert describe_one(ec2, plain)["MultiAttachEnabled"] is False
    expect_error(lambda: ec2.modify_volume(VolumeId=plain, Size=5, MultiAttachEnabled=True), IPV, 400)
    assert describe_one(ec2, plain)["Size"] == 4
    assert plain in {
        v["VolumeId"]
        for v in ec2.describe_volumes(Filters=[{"Name": "multi-attach-enabled", "Values": ["false"]}])["Volumes"]
    }


@pytest.mark.parametrize("vtype", ["gp2", "gp3", "st1", "sc1", "standard"])
def test_multi_attach_on_other_types_is_refused(ec2, vtype):
    size = 125 if vtype in ("st1", "sc1") else 4
    e = expect_error(
        lambda: ec2.create_volume(AvailabilityZone=AZ, Size=size, VolumeType=vtype, MultiAttachEnabled=True), IPC, 400
    )
    assert "Multi-Attach" in e.response["Error"]["Message"] and vtype in e.response["Error"]["Message"]
    # MultiAttachEnabled=false is fine on any type.
    ec2.create_volume(AvailabilityZone=AZ, Size=size, VolumeType=vtype, MultiAttachEnabled=False)


def test_volume_initialization_rate_needs_a_snapshot_and_100_to_300(ec2, source_snapshot):
    for rate in (100, 300):
        new_volume(ec2, None, SnapshotId=source_snapshot, VolumeInitializationRate=rate)
    for rate in (99, 301, 0):
        expect_error(
            lambda: ec2.create_volume(AvailabilityZone=AZ, SnapshotId=source_snapshot, VolumeInitializationRate=rate),
            IPV,
            400,
        )
    expect_error(lambda: ec2.create_volume(AvailabilityZone=AZ, Size=1, VolumeInitializationRate=200), IPC, 400)


# ------------------------------------------------------------ ClientToken


def test_client_token_is_idempotent(ec2):
    run = unique("ct")
    token = secrets.token_hex(16)
    kw = dict(AvailabilityZone=AZ, Size=2, ClientToken=token, TagSpecifications=tag_spec("volume", {"run": run}))
    first = ec2.create_volume(**kw)
    second = ec2.create_volume(**kw)
    assert second["VolumeId"] == first["VolumeId"]
    assert second["Size"] == 2
    vols = ec2.describe_volumes(Filters=[{"Name": "tag:run", "Values": [run]}])["Volumes"]
    assert [v["VolumeId"] for v in vols] == [first["VolumeId"]]
    other = ec2.create_volume(AvailabilityZone=AZ, Size=2, ClientToken=secrets.token_hex(16))
    assert other["VolumeId"] != first["VolumeId"]


def test_client_token_with_other_parameters_is_a_mismatch(ec2):
    token = secrets.token_hex(16)
    ec2.create_volume(AvailabilityZone=AZ, Size=2, ClientToken=token)
    expect_error(
        lambda: ec2.create_volume(AvailabilityZone=AZ, Size=3, ClientToken=token), "IdempotentParameterMismatch", 400
    )


# ---------------------------------------------------------------- describe


def test_describe_by_ids(ec2):
    a, b = new_volume(ec2, 1), new_volume(ec2, 2)
    vols = ec2.describe_volumes(VolumeIds=[a, b])["Volumes"]
    assert sorted(v["VolumeId"] for v in vols) == sorted([a, b])
    assert {v["VolumeId"]: v["Size"] for v in vols} == {a: 1, b: 2}
    e = expect_error(lambda: ec2.describe_volumes(VolumeIds=[a, UNKNOWN_VOLUME]), "InvalidVolume.NotFound", 400)
    assert UNKNOWN_VOLUME in e.response["Error"]["Message"]


def test_describe_filters(tenant):
    ec2 = tenant.ec2
    v1 = new_volume(ec2, 1, az="us-east-1a", tags={"env": "prod", "team": "blue"})
    v2 = new_volume(ec2, 2, az="us-east-1b", VolumeType="gp3", tags={"env": "dev"})
    v3 = new_volume(ec2, 3, az="us-east-1a")
    inst = run_instance(ec2)
    iid = inst["InstanceId"]
    root = inst["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    ec2.attach_volume(VolumeId=v3, InstanceId=iid, Device="/dev/sdf")

    def ids(*filters):
        got = ec2.describe_volumes(Filters=[{"Name": n, "Values": v} for n, v in filters])["Volumes"]
        return sorted(v["VolumeId"] for v in got)

    assert ids() == sorted([v1, v2, v3, root])
    assert ids(("volume-id", [v1, v2])) == sorted([v1, v2])
    assert ids(("size", ["2"])) == [v2]
    assert ids(("availability-zone", ["us-east-1b"])) == [v2]
    assert ids(("availability-zone", ["us-east-1*"])) == sorted([v1, v2, v3, root])
    assert ids(("volume-type", ["gp3"])) == [v2]
    assert ids(("status", ["available"])) == sorted([v1, v2])
    assert ids(("status", ["in-use"])) == sorted([v3, root])
    assert ids(("tag:env", ["prod"])) == [v1]
    assert ids(("tag:env", ["prod", "dev"])) == sorted([v1, v2])
    assert ids(("tag:env", ["p*"])) == [v1]
    assert ids(("tag-key", ["team"])) == [v1]
    assert ids(("tag-value", ["dev"])) == [v2]
    assert ids(("attachment.instance-id", [iid])) == sorted([v3, root])
    assert ids(("attachment.device", ["/dev/sdf"])) == [v3]
    assert ids(("attachment.delete-on-termination", ["true"])) == [root]
    assert ids(("attachment.status", ["attached"])) == sorted([v3, root])
    assert ids(("encrypted", ["false"])) == sorted([v1, v2, v3, root])
    assert ids(("encrypted", ["true"])) == []
    # Filters combine with AND, values with OR.
    assert ids(("availability-zone", ["us-east-1a"]), ("status", ["available"])) == [v1]
    assert ids(("tag:env", ["prod", "dev"]), ("size", ["1", "3"])) == [v1]
    assert ids(("volume-id", [v1]), ("tag:env", ["dev"])) == []


def test_describe_filters_zone_id_attach_time_fast_restored(tenant):
    """availability-zone-id (us-east-1a is use1-az1 here), attachment.attach-time and
    fast-restored (never, here), with wildcards."""
    ec2 = tenant.ec2
    v1 = new_volume(ec2, 1, az="us-east-1a")
    v2 = new_volume(ec2, 1, az="us-east-1c")
    v3 = new_volume(ec2, 1, az="us-east-1a")
    inst = run_instance(ec2, az="us-east-1a")
    iid = inst["InstanceId"]
    root = inst["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    ec2.attach_volume(VolumeId=v3, InstanceId=iid, Device="/dev/sdf")
    ec2.detach_volume(VolumeId=v3)
    ec2.get_waiter("volume_available").wait(VolumeIds=[v3], WaiterConfig=FAST_WAIT)
    ec2.attach_volume(VolumeId=v1, InstanceId=iid, Device="/dev/sdg")

    def ids(*filters):
        got = ec2.describe_volumes(Filters=[{"Name": n, "Values": v} for n, v in filters])["Volumes"]
        return sorted(v["VolumeId"] for v in got)

    every = sorted([v1, v2, v3, root])
    assert describe_one(ec2, v1)["AvailabilityZoneId"] == "use1-az1"
    assert describe_one(ec2, v2)["AvailabilityZoneId"] == "use1-az3"
    assert ids(("availability-zone-id", ["use1-az1"])) == sorted([v1, v3, root])
    assert ids(("availability-zone-id", ["use1-az2", "use1-az3"])) == [v2]
    assert ids(("availability-zone-id", ["use1-az?"])) == every
    assert ids(("availability-zone-id", ["us-east-1a"])) == []
    attached = describe_one(ec2, v1)["Attachments"][0]["AttachTime"]
    assert ids(("attachment.attach-time", [ec2_time(attached)])) == [v1]
    assert ids(("attachment.attach-time", [ec2_time(attached)[:10] + "*"])) == sorted([v1, root])
    assert ids(("attachment.attach-time", ["1999-*"])) == []
    assert ids(("fast-restored", ["false"])) == every
    assert ids(("fast-restored", ["true"])) == []
    assert ids(("fast-restored", ["f*"]), ("attachment.status", ["attached"])) == sorted([v1, root])
    for name in ("volume-initialization-rate", "operator.managed", "attachment.attach_time"):
        e = expect_error(lambda: ec2.describe_volumes(Filters=[{"Name": name, "Values": ["x"]}]), IPV, 400)
        assert e.response["Error"]["Message"] == f"The filter '{name}' is invalid"


def test_describe_paginator_over_three_pages(tenant):
    ec2 = tenant.ec2
    made = sorted(new_volume(ec2, 1) for _ in range(12))
    pages = list(ec2.get_paginator("describe_volumes").paginate(PaginationConfig={"PageSize": 5}))
    assert len(pages) == 3, [len(p["Volumes"]) for p in pages]
    assert [len(p["Volumes"]) for p in pages] == [5, 5, 2]
    assert all(p.get("NextToken") for p in pages[:-1]) and not pages[-1].get("NextToken")
    seen = [v["VolumeId"] for p in pages for v in p["Volumes"]]
    assert len(seen) == len(set(seen)) == 12
    assert sorted(seen) == made


def test_describe_max_results_rules(ec2):
    vid = new_volume(ec2, 1)
    expect_error(lambda: ec2.describe_volumes(MaxResults=4), IPV, 400)
    expect_error(lambda: ec2.describe_volumes(MaxResults=501), IPV, 400)
    expect_error(lambda: ec2.describe_volumes(VolumeIds=[vid], MaxResults=5), "InvalidParameterCombination", 400)


def test_describe_forged_next_token(tenant):
    ec2 = tenant.ec2
    expect_error(lambda: ec2.describe_volumes(MaxResults=5, NextToken="forged-token"), "InvalidNextToken", 400)
    vid = new_volume(ec2, 1)
    for _ in range(6):
        ec2.create_snapshot(VolumeId=vid)
    snap_page = ec2.describe_snapshots(OwnerIds=["self"], MaxResults=5)
    assert snap_page.get("NextToken"), snap_page
    # A token of another operation is no token for this one.
    expect_error(lambda: ec2.describe_volumes(MaxResults=5, NextToken=snap_page["NextToken"]), "InvalidNextToken", 400)


# ------------------------------------------------------------------ delete


def test_delete_volume(ec2):
    vid = new_volume(ec2, 1)
    expect_error(lambda: ec2.delete_volume(VolumeId=vid, DryRun=True), "DryRunOperation", 412)
    describe_one(ec2, vid)
    resp = ec2.delete_volume(VolumeId=vid)
    assert status_of(resp) == 200
    expect_error(lambda: ec2.describe_volumes(VolumeIds=[vid]), "InvalidVolume.NotFound", 400)
    expect_error(lambda: ec2.delete_volume(VolumeId=vid), "InvalidVolume.NotFound", 400)
    ec2.get_waiter("volume_deleted").wait(VolumeIds=[vid], WaiterConfig=FAST_WAIT)


def test_delete_attached_volume_is_volume_in_use(ec2):
    iid = run_instance(ec2)["InstanceId"]
    vid = new_volume(ec2, 1)
    ec2.attach_volume(VolumeId=vid, InstanceId=iid, Device="/dev/sdg")
    e = expect_error(lambda: ec2.delete_volume(VolumeId=vid), "VolumeInUse", 400)
    assert vid in e.response["Error"]["Message"]
    assert describe_one(ec2, vid)["State"] == "in-use"
    ec2.detach_volume(VolumeId=vid)
    ec2.delete_volume(VolumeId=vid)


# ---------------------------------------------------------- attach/detach


def test_attach_and_detach(ec2):
    inst = run_instance(ec2)
    iid = inst["InstanceId"]
    vid = new_volume(ec2, 1)
    resp = ec2.attach_volume(VolumeId=vid, InstanceId=iid, Device="/dev/sdf")
    assert status_of(resp) == 200
    assert resp["VolumeId"] == vid and resp["InstanceId"] == iid and resp["Device"] == "/dev/sdf"
    assert resp["State"] == "attaching"
    ec2.get_waiter("volume_in_use").wait(VolumeIds=[vid], WaiterConfig=FAST_WAIT)
    vol = describe_one(ec2, vid)
    assert vol["State"] == "in-use"
    [att] = vol["Attachments"]
    assert att["InstanceId"] == iid and att["Device"] == "/dev/sdf" and att["State"] == "attached"
    assert att["DeleteOnTermination"] is False
    assert isinstance(att["AttachTime"], dt.datetime)
    mappings = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]["BlockDeviceMappings"]
    assert {m["DeviceName"]: m["Ebs"]["VolumeId"] for m in mappings}["/dev/sdf"] == vid

    # Already attached: VolumeInUse; another volume on the same device: refused.
    expect_error(lambda: ec2.attach_volume(VolumeId=vid, InstanceId=iid, Device="/dev/sdh"), "VolumeInUse", 400)
    other = new_volume(ec2, 1)
    expect_error(lambda: ec2.attach_volume(VolumeId=other, InstanceId=iid, Device="/dev/sdf"), IPV, 400)
    assert describe_one(ec2, other)["State"] == "available"

    resp = ec2.detach_volume(VolumeId=vid)
    assert resp["State"] == "detaching" and resp["InstanceId"] == iid and resp["Device"] == "/dev/sdf"
    ec2.get_waiter("volume_available").wait(VolumeIds=[vid], WaiterConfig=FAST_WAIT)
    vol = describe_one(ec2, vid)
    assert vol["State"] == "available" and vol["Attachments"] == []
    expect_error(lambda: ec2.detach_volume(VolumeId=vid), "IncorrectState", 400)
    # The device is free again.
    ec2.attach_volume(VolumeId=other, InstanceId=iid, Device="/dev/sdf")
    assert describe_one(ec2, other)["State"] == "in-use"


def test_attach_dry_run_changes_nothing(ec2):
    iid = run_instance(ec2)["InstanceId"]
    vid = new_volume(ec2, 1)
    expect_error(
        lambda: ec2.attach_volume(VolumeId=vid, InstanceId=iid, Device="/dev/sdf", DryRun=True), "DryRunOperation", 412
    )
    assert describe_one(ec2, vid)["State"] == "available"


def test_attach_across_zones_is_refused(ec2):
    iid = run_instance(ec2, az="us-east-1a")["InstanceId"]
    vid = new_volume(ec2, 1, az="us-east-1b")
    expect_error(
        lambda: ec2.attach_volume(VolumeId=vid, InstanceId=iid, Device="/dev/sdf"), "InvalidVolume.ZoneMismatch", 400
    )
    assert describe_one(ec2, vid)["State"] == "available"


def test_attach_unknown_volume_or_instance(ec2):
    iid = run_instance(ec2)["InstanceId"]
    vid = new_volume(ec2, 1)
    expect_error(
        lambda: ec2.attach_volume(VolumeId=UNKNOWN_VOLUME, InstanceId=iid, Device="/dev/sdf"), "InvalidVolume.NotFound", 400
    )
    expect_error(
        lambda: ec2.attach_volume(VolumeId=vid, InstanceId="i-0123456789abcdef0", Device="/dev/sdf"),
        "InvalidInstanceID.NotFound",
        400,
    )


# ------------------------------------------------------------------ modify


def test_modify_volume_grows_only(ec2):
    vid = new_volume(ec2, 2)
    resp = ec2.modify_volume(VolumeId=vid, Size=6)
    assert status_of(resp) == 200
    mod = resp["VolumeModification"]
    assert mod["VolumeId"] == vid
    assert mod["OriginalSize"] == 2 and mod["TargetSize"] == 6
    assert mod["OriginalMultiAttachEnabled"] is False and mod["TargetMultiAttachEnabled"] is False
    assert mod["ModificationState"] in ("modifying", "optimizing", "completed")
    assert describe_one(ec2, vid)["Size"] == 6

    expect_error(lambda: ec2.modify_volume(VolumeId=vid, Size=5), IPV, 400)
    assert describe_one(ec2, vid)["Size"] == 6
    expect_error(lambda: ec2.modify_volume(VolumeId=vid, Size=8, DryRun=True), "DryRunOperation", 412)
    assert describe_one(ec2, vid)["Size"] == 6
    expect_error(lambda: ec2.modify_volume(VolumeId=UNKNOWN_VOLUME, Size=8), "InvalidVolume.NotFound", 400)


def test_modify_volume_type(ec2):
    vid = new_volume(ec2, 10)
    mod = ec2.modify_volume(VolumeId=vid, VolumeType="gp3")["VolumeModification"]
    assert mod["OriginalVolumeType"] == "gp2" and mod["TargetVolumeType"] == "gp3"
    vol = describe_one(ec2, vid)
    assert vol["VolumeType"] == "gp3" and vol["Iops"] == 3000 and vol["Size"] == 10
    expect_error(lambda: ec2.modify_volume(VolumeId=vid, VolumeType="floppy"), IPV, 400)


@pytest.mark.parametrize("vtype", ["io1", "io2"])
def test_modify_volume_type_to_io1_io2_without_iops_defaults_to_3000(ec2, vtype):
    # (gp3 already got 3000 IOPS and 125 MiB/s: test_modify_volume_type.) 60 GiB: io1 allows 50 IOPS per GiB.
    vid = new_volume(ec2, 60)
    mod = ec2.modify_volume(VolumeId=vid, VolumeType=vtype)["VolumeModification"]
    assert mod["TargetVolumeType"] == vtype and mod["TargetIops"] == 3000
    vol = describe_one(ec2, vid)
    assert vol["VolumeType"] == vtype and vol["Iops"] == 3000 and "Throughput" not in vol


@pytest.mark.parametrize("size,vtype,extra,ok", [
    (1, "gp3", {}, True),  # the 3000 IOPS / 125 MiB/s baseline holds at any size
    (8, "gp3", {"Iops": 4000}, True),
    (8, "gp3", {"Iops": 4001}, False),  # 500 IOPS per GiB
    (1, "gp3", {"Iops": 16000}, False),
    (100, "gp3", {"Iops": 4000, "Throughput": 1000}, True),
    (100, "gp3", {"Iops": 4000, "Throughput": 1001}, False),  # 0.25 MiB/s per IOPS
    (100, "gp3", {"Throughput": 1000}, False),
    (4, "io1", {"Iops": 200}, True),
    (4, "io1", {"Iops": 201}, False),  # 50 per GiB
    (4, "io2", {"Iops": 4000}, True),
    (4, "io2", {"Iops": 4001}, False),  # 1000 per GiB
])
def test_iops_and_throughput_ratios(ec2, size, vtype, extra, ok):
    call = lambda: ec2.create_volume(AvailabilityZone=AZ, Size=size, VolumeType=vtype, **extra)
    if ok:
        call()
    else:
        message = expect_error(call, IPV, 400).response["Error"]["Message"]
        assert "ratio" in message and "too high" in message, message


def test_a_modification_that_changes_nothing_is_refused_and_not_counted(ec2):
    vid = new_volume(ec2, 4, VolumeType="gp3")
    for _ in range(5):
        expect_error(lambda: ec2.modify_volume(VolumeId=vid), IPV, 400)
        expect_error(lambda: ec2.modify_volume(VolumeId=vid, Size=4, VolumeType="gp3", Iops=3000), IPV, 400)
    # The refusals used none of the 4 modifications a day allows.
    for size in (5, 6, 7, 8):
        ec2.modify_volume(VolumeId=vid, Size=size)
    assert describe_one(ec2, vid)["Size"] == 8


def test_create_volume_client_token_is_at_most_64_ascii_characters(ec2):
    new_volume(ec2, 1, ClientToken="t" * 64)
    for bad in ("t" * 65, "é" * 10):
        expect_error(lambda: ec2.create_volume(AvailabilityZone=AZ, Size=1, ClientToken=bad), IPV, 400)


def test_four_modifications_per_volume_in_24_hours(server_factory):
    srv = server_factory("modify-rate", clock_offset=True)
    ec2 = srv.ec2()
    vid = new_volume(ec2, 1)
    other = new_volume(ec2, 1)
    for size in (2, 3, 4, 5):
        srv.set_clock_offset((size - 2) * 3600)
        ec2.modify_volume(VolumeId=vid, Size=size)
    e = expect_error(lambda: ec2.modify_volume(VolumeId=vid, Size=6), "VolumeModificationRateExceeded", 400)
    assert e.response["Error"]["Message"].startswith("You've reached the maximum modification rate per volume limit.")
    # A refused modification changes nothing, nor does a DryRun count; other volumes are not limited.
    assert describe_one(ec2, vid)["Size"] == 5
    ec2.modify_volume(VolumeId=other, Size=2)
    # 24 hours after the first modification, one more is allowed; then the window is full again.
    srv.set_clock_offset(24 * 3600 + 1)
    expect_error(lambda: ec2.modify_volume(VolumeId=vid, Size=6, DryRun=True), "DryRunOperation", 412)
    ec2.modify_volume(VolumeId=vid, Size=6)
    expect_error(lambda: ec2.modify_volume(VolumeId=vid, Size=7), "VolumeModificationRateExceeded", 400)
    assert describe_one(ec2, vid)["Size"] == 6
    # The record survives a restart.
    srv.restart()
    expect_error(lambda: srv.ec2().modify_volume(VolumeId=vid, Size=7), "VolumeModificationRateExceeded", 400)
    srv.set_clock_offset(25 * 3600 + 1)
    srv.ec2().modify_volume(VolumeId=vid, Size=7)

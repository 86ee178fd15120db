"""EC2 instances: RunInstances with and without BlockDeviceMappings (root device rules,
DeleteOnTermination), DescribeInstances, StopInstances/StartInstances/TerminateInstances
and what termination does to the volumes."""

import datetime as dt

import pytest

from helpers import (
    ACCOUNT_ID_RE,
    FAST_WAIT,
    INSTANCE_ID_RE,
    UNKNOWN_INSTANCE,
    VOL_ID_RE,
    expect_error,
    new_volume,
    small_block,
    status_of,
    ec2_time,
    tag_spec,
    tags_of,
    unique,
    upload,
)

AMI = "ami-0abcdef1234567890"
STATE_CODES = {"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}


def instance_of(ec2, iid: str) -> dict:
    res = ec2.describe_instances(InstanceIds=[iid])["Reservations"]
    found = [i for r in res for i in r["Instances"]]
    assert [i["InstanceId"] for i in found] == [iid]
    return found[0]


def devices(instance: dict) -> dict:
    """DeviceName -> Ebs of an instance's block device mappings."""
    return {m["DeviceName"]: m["Ebs"] for m in instance["BlockDeviceMappings"]}


def volume_or_none(ec2, vid: str):
    vols = ec2.describe_volumes(Filters=[{"Name": "volume-id", "Values": [vid]}])["Volumes"]
    return vols[0] if vols else None


def check_state(state: dict, name: str):
    assert state == {"Code": STATE_CODES[name], "Name": name}, state


def test_run_without_mappings_gets_an_8_gib_root_volume(ec2):
    resp = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="t3.micro")
    assert status_of(resp) == 200
    assert resp["ReservationId"].startswith("r-")
    assert ACCOUNT_ID_RE.match(resp["OwnerId"])
    [inst] = resp["Instances"]
    iid = inst["InstanceId"]
    assert INSTANCE_ID_RE.match(iid), iid
    assert inst["ImageId"] == AMI and inst["InstanceType"] == "t3.micro"
    assert inst["State"]["Name"] in ("pending", "running")
    assert inst["State"]["Code"] == STATE_CODES[inst["State"]["Name"]]
    assert inst["Placement"]["AvailabilityZone"] in ("us-east-1a", "us-east-1b", "us-east-1c")
    assert inst["RootDeviceType"] == "ebs"
    assert inst["RootDeviceName"] == "/dev/xvda"
    assert isinstance(inst["LaunchTime"], dt.datetime)
    ebs = devices(inst)
    assert list(ebs) == ["/dev/xvda"]
    root = ebs["/dev/xvda"]
    assert VOL_ID_RE.match(root["VolumeId"])
    assert root["DeleteOnTermination"] is True
    assert root["Status"] == "attached"

    ec2.get_waiter("instance_running").wait(InstanceIds=[iid], WaiterConfig=FAST_WAIT)
    described = instance_of(ec2, iid)
    check_state(described["State"], "running")
    assert devices(described)["/dev/xvda"]["VolumeId"] == root["VolumeId"]

    vol = ec2.describe_volumes(VolumeIds=[root["VolumeId"]])["Volumes"][0]
    assert vol["Size"] == 8
    assert vol["State"] == "in-use"
    assert vol["AvailabilityZone"] == inst["Placement"]["AvailabilityZone"]
    [att] = vol["Attachments"]
    assert att["InstanceId"] == iid and att["Device"] == "/dev/xvda" and att["DeleteOnTermination"] is True


@pytest.fixture(scope="module")
def snapshot_3g(client):
    return upload(client, {7: small_block(30)}, size=3)


def test_run_with_mappings(ec2, snapshot_3g):
    mappings = [
        {"DeviceName": "/dev/sdb", "Ebs": {"VolumeSize": 2, "DeleteOnTermination": False}},
        {"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 4, "VolumeType": "gp3"}},
        {"DeviceName": "/dev/sdc", "Ebs": {"SnapshotId": snapshot_3g}},
    ]
    inst = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, BlockDeviceMappings=mappings, Placement={"AvailabilityZone": "us-east-1c"}
    )["Instances"][0]
    # The /dev/sda1 mapping is the root device even though it is not the first.
    assert inst["RootDeviceName"] == "/dev/sda1"
    assert inst["Placement"]["AvailabilityZone"] == "us-east-1c"
    ebs = devices(instance_of(ec2, inst["InstanceId"]))
    assert sorted(ebs) == ["/dev/sda1", "/dev/sdb", "/dev/sdc"]
    assert ebs["/dev/sdb"]["DeleteOnTermination"] is False
    assert ebs["/dev/sda1"]["DeleteOnTermination"] is True
    assert ebs["/dev/sdc"]["DeleteOnTermination"] is True
    vols = {v["VolumeId"]: v for v in ec2.describe_volumes(VolumeIds=[e["VolumeId"] for e in ebs.values()])["Volumes"]}
    sdb, sda1, sdc = (vols[ebs[d]["VolumeId"]] for d in ("/dev/sdb", "/dev/sda1", "/dev/sdc"))
    assert sdb["Size"] == 2 and sdb["VolumeType"] == "gp2"
    assert sda1["Size"] == 4 and sda1["VolumeType"] == "gp3"
    assert sdc["Size"] == 3 and sdc["SnapshotId"] == snapshot_3g
    assert all(v["AvailabilityZone"] == "us-east-1c" and v["State"] == "in-use" for v in vols.values())


def test_root_is_the_first_mapping_without_xvda_or_sda1(ec2):
    mappings = [
        {"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 1}},
        {"DeviceName": "/dev/sdg", "Ebs": {"VolumeSize": 1}},
    ]
    inst = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, BlockDeviceMappings=mappings)["Instances"][0]
    assert inst["RootDeviceName"] == "/dev/sdf"
    mappings.append({"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 1}})
    inst = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, BlockDeviceMappings=mappings)["Instances"][0]
    assert inst["RootDeviceName"] == "/dev/xvda"


def test_mapping_smaller_than_its_snapshot_is_refused(ec2, snapshot_3g):
    mappings = [{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot_3g, "VolumeSize": 2}}]
    expect_error(
        lambda: ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, BlockDeviceMappings=mappings),
        "InvalidParameterValue",
        400,
    )


def test_run_several_in_one_reservation_with_tags(ec2):
    run = unique("ri")
    resp = ec2.run_instances(
        ImageId=AMI, MinCount=3, MaxCount=3,
        TagSpecifications=tag_spec("instance", {"run": run}) + tag_spec("volume", {"run": run, "kind": "root"}),
    )
    insts = resp["Instances"]
    assert len(insts) == 3
    assert len({i["InstanceId"] for i in insts}) == 3
    assert sorted(i["AmiLaunchIndex"] for i in insts) == [0, 1, 2]
    assert all(tags_of(i) == {"run": run} for i in insts)
    roots = {devices(i)["/dev/xvda"]["VolumeId"] for i in insts}
    assert len(roots) == 3
    tagged = ec2.describe_volumes(Filters=[{"Name": "tag:run", "Values": [run]}])["Volumes"]
    assert {v["VolumeId"] for v in tagged} == roots
    assert all(tags_of(v) == {"run": run, "kind": "root"} for v in tagged)
    found = ec2.describe_instances(Filters=[{"Name": "tag:run", "Values": [run]}])["Reservations"]
    assert {r["ReservationId"] for r in found} == {resp["ReservationId"]}
    assert {i["InstanceId"] for r in found for i in r["Instances"]} == {i["InstanceId"] for i in insts}


def test_run_dry_run_and_missing_parameters(ec2):
    run = unique("rd")
    expect_error(
        lambda: ec2.run_instances(
            ImageId=AMI, MinCount=1, MaxCount=1, DryRun=True, TagSpecifications=tag_spec("instance", {"run": run})
        ),
        "DryRunOperation",
        412,
    )
    assert ec2.describe_instances(Filters=[{"Name": "tag:run", "Values": [run]}])["Reservations"] == []
    expect_error(lambda: ec2.run_instances(MinCount=1, MaxCount=1), "MissingParameter", 400)
    expect_error(lambda: ec2.run_instances(ImageId=AMI, MaxCount=1), "MissingParameter", 400)


def test_describe_instances_ids_filters_errors(tenant):
    ec2 = tenant.ec2
    a = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="m5.large",
                          Placement={"AvailabilityZone": "us-east-1b"})["Instances"][0]["InstanceId"]
    b = ec2.run_instances(ImageId="ami-11111111", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ec2.stop_instances(InstanceIds=[b])

    def ids(*filters):
        res = ec2.describe_instances(Filters=[{"Name": n, "Values": v} for n, v in filters])["Reservations"]
        return sorted(i["InstanceId"] for r in res for i in r["Instances"])

    assert ids() == sorted([a, b])
    assert ids(("instance-id", [a])) == [a]
    assert ids(("instance-state-name", ["stopped"])) == [b]
    assert ids(("instance-state-name", ["running"])) == [a]
    assert ids(("instance-type", ["m5.*"])) == [a]
    assert ids(("image-id", ["ami-11111111"])) == [b]
    assert ids(("availability-zone", ["us-east-1b"])) == [a]
    res = ec2.describe_instances(InstanceIds=[a, b])["Reservations"]
    assert sorted(i["InstanceId"] for r in res for i in r["Instances"]) == sorted([a, b])
    assert all(r["OwnerId"] == tenant.id for r in res)
    expect_error(lambda: ec2.describe_instances(InstanceIds=[a, UNKNOWN_INSTANCE]), "InvalidInstanceID.NotFound", 400)
    expect_error(lambda: ec2.describe_instances(InstanceIds=["i-xyz"]), "InvalidInstanceID.Malformed", 400)
    expect_error(lambda: ec2.describe_instances(Filters=[{"Name": "flavour", "Values": ["x"]}]), "InvalidParameterValue", 400)


def test_describe_instances_block_device_mapping_and_other_kept_filters(tenant):
    """The model's DescribeInstances filters over data the server keeps: block-device-mapping.*,
    launch-time, owner-id, availability-zone-id, client-token, tag:*; wildcards as elsewhere."""
    ec2 = tenant.ec2
    run = unique("bdm")
    a = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, ClientToken=run, Placement={"AvailabilityZone": "us-east-1c"},
        BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 1}},
            {"DeviceName": "/dev/sdb", "Ebs": {"VolumeSize": 1, "DeleteOnTermination": False}},
        ],
        TagSpecifications=tag_spec("instance", {"run": run, "role": "db"}),
    )["Instances"][0]
    b = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]
    ia, ib = a["InstanceId"], b["InstanceId"]
    a_vols = {m["DeviceName"]: m["Ebs"]["VolumeId"] for m in a["BlockDeviceMappings"]}
    b_root = b["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    extra = new_volume(ec2, 1, az="us-east-1a")
    ec2.attach_volume(VolumeId=extra, InstanceId=ib, Device="/dev/sdh")

    def ids(*filters):
        res = ec2.describe_instances(Filters=[{"Name": n, "Values": v} for n, v in filters])["Reservations"]
        return sorted(i["InstanceId"] for r in res for i in r["Instances"])

    both = sorted([ia, ib])
    assert ids(("block-device-mapping.volume-id", [a_vols["/dev/sdb"]])) == [ia]
    assert ids(("block-device-mapping.volume-id", [extra, a_vols["/dev/xvda"]])) == both
    assert ids(("block-device-mapping.device-name", ["/dev/sdb"])) == [ia]
    assert ids(("block-device-mapping.device-name", ["/dev/sd?"])) == both
    assert ids(("block-device-mapping.device-name", ["/dev/xvda"])) == both
    assert ids(("block-device-mapping.status", ["attached"])) == both
    assert ids(("block-device-mapping.status", ["detached"])) == []
    assert ids(("block-device-mapping.delete-on-termination", ["false"])) == both  # a's sdb, b's extra
    ec2.detach_volume(VolumeId=extra)
    assert ids(("block-device-mapping.delete-on-termination", ["false"])) == [ia]
    assert ids(("block-device-mapping.volume-id", [extra])) == []
    assert ids(("block-device-mapping.volume-id", [b_root]), ("block-device-mapping.device-name", ["/dev/xvda"])) == [ib]
    launch = ec2_time(instance_of(ec2, ia)["LaunchTime"])
    attach = ec2_time(instance_of(ec2, ia)["BlockDeviceMappings"][0]["Ebs"]["AttachTime"])
    assert ids(("block-device-mapping.attach-time", [attach])) == [ia]
    assert ids(("block-device-mapping.attach-time", ["1999-*"])) == []
    assert ids(("launch-time", [launch])) == [ia]
    assert ids(("launch-time", [launch[:4] + "-*"])) == both
    assert ids(("owner-id", [tenant.id])) == both
    assert ids(("owner-id", ["000000000000"])) == []
    assert instance_of(ec2, ia)["Placement"]["AvailabilityZoneId"] == "use1-az3"
    assert ids(("availability-zone-id", ["use1-az3"])) == [ia]
    assert ids(("availability-zone", ["us-east-1?"]), ("availability-zone-id", ["use1-az1"])) == [ib]
    assert ids(("client-token", [run])) == [ia]
    assert ids(("tag:run", [run]), ("tag:role", ["d*"])) == [ia]
    assert ids(("tag-key", ["role"])) == [ia]
    assert ids(("instance-state-code", ["16"]), ("instance-state-name", ["run*"])) == both
    # Filters the model lists on data this server doesn't keep stay refused.
    for name in ("vpc-id", "network-interface.vpc-id", "ip-address", "block-device-mapping.volume_id"):
        e = expect_error(lambda: ec2.describe_instances(Filters=[{"Name": name, "Values": ["x"]}]),
                         "InvalidParameterValue", 400)
        assert e.response["Error"]["Message"] == f"The filter '{name}' is invalid"


def test_describe_instances_paginator_over_three_pages(tenant):
    ec2 = tenant.ec2
    made = sorted(
        ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"] for _ in range(11)
    )
    pages = list(ec2.get_paginator("describe_instances").paginate(PaginationConfig={"PageSize": 5}))
    assert len(pages) >= 3, len(pages)
    seen = [i["InstanceId"] for p in pages for r in p["Reservations"] for i in r["Instances"]]
    assert all(len([i for r in p["Reservations"] for i in r["Instances"]]) <= 5 for p in pages)
    assert len(seen) == len(set(seen)) and sorted(seen) == made


def test_stop_start_terminate(ec2):
    mappings = [
        {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 1}},
        {"DeviceName": "/dev/sdb", "Ebs": {"VolumeSize": 1, "DeleteOnTermination": True}},
        {"DeviceName": "/dev/sdc", "Ebs": {"VolumeSize": 1, "DeleteOnTermination": False}},
    ]
    inst = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, BlockDeviceMappings=mappings,
                             Placement={"AvailabilityZone": "us-east-1a"})["Instances"][0]
    iid = inst["InstanceId"]
    ebs = devices(inst)
    root, dot, keep = ebs["/dev/xvda"]["VolumeId"], ebs["/dev/sdb"]["VolumeId"], ebs["/dev/sdc"]["VolumeId"]
    attached = new_volume(ec2, 1, az="us-east-1a")
    ec2.attach_volume(VolumeId=attached, InstanceId=iid, Device="/dev/sdd")

    [chg] = ec2.stop_instances(InstanceIds=[iid])["StoppingInstances"]
    assert chg["InstanceId"] == iid
    check_state(chg["PreviousState"], "running")
    check_state(chg["CurrentState"], "stopping")
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[iid], WaiterConfig=FAST_WAIT)
    check_state(instance_of(ec2, iid)["State"], "stopped")
    # Stopping keeps every volume attached.
    assert sorted(devices(instance_of(ec2, iid))) == ["/dev/sdb", "/dev/sdc", "/dev/sdd", "/dev/xvda"]

    [chg] = ec2.start_instances(InstanceIds=[iid])["StartingInstances"]
    check_state(chg["PreviousState"], "stopped")
    check_state(chg["CurrentState"], "pending")
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid], WaiterConfig=FAST_WAIT)
    check_state(instance_of(ec2, iid)["State"], "running")

    expect_error(lambda: ec2.terminate_instances(InstanceIds=[iid], DryRun=True), "DryRunOperation", 412)
    check_state(instance_of(ec2, iid)["State"], "running")

    [chg] = ec2.terminate_instances(InstanceIds=[iid])["TerminatingInstances"]
    check_state(chg["PreviousState"], "running")
    check_state(chg["CurrentState"], "shutting-down")
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[iid], WaiterConfig=FAST_WAIT)
    # Terminated instances stay visible.
    check_state(instance_of(ec2, iid)["State"], "terminated")

    # DeleteOnTermination volumes vanish, the others become available.
    for vid in (root, dot):
        assert volume_or_none(ec2, vid) is None, vid
        expect_error(lambda: ec2.describe_volumes(VolumeIds=[vid]), "InvalidVolume.NotFound", 400)
    for vid in (keep, attached):
        vol = volume_or_none(ec2, vid)
        assert vol is not None, vid
        assert vol["State"] == "available" and vol["Attachments"] == [], vol

    # A terminated instance can't be started, stopped or attached to; terminating again is harmless.
    e = expect_error(lambda: ec2.start_instances(InstanceIds=[iid]), "IncorrectInstanceState", 400)
    assert e.response["Error"]["Message"] == f"The instance '{iid}' is not in a state from which it can be started."
    e = expect_error(lambda: ec2.stop_instances(InstanceIds=[iid]), "IncorrectInstanceState", 400)
    assert e.response["Error"]["Message"] == f"The instance '{iid}' is not in a state from which it can be stopped."
    e = expect_error(
        lambda: ec2.attach_volume(VolumeId=keep, InstanceId=iid, Device="/dev/sdc"), "IncorrectInstanceState", 400
    )
    assert e.response["Error"]["Message"] == f"Instance '{iid}' is not 'running' or 'stopped'."
    [chg] = ec2.terminate_instances(InstanceIds=[iid])["TerminatingInstances"]
    check_state(chg["CurrentState"], "terminated")


def test_state_changes_of_unknown_or_malformed_instances(ec2):
    for op in (ec2.stop_instances, ec2.start_instances, ec2.terminate_instances):
        expect_error(lambda: op(InstanceIds=[UNKNOWN_INSTANCE]), "InvalidInstanceID.NotFound", 400)
        expect_error(lambda: op(InstanceIds=["i-123"]), "InvalidInstanceID.Malformed", 400)
    # All or nothing: with one unknown id, the known instance keeps running.
    iid = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    expect_error(lambda: ec2.stop_instances(InstanceIds=[iid, UNKNOWN_INSTANCE]), "InvalidInstanceID.NotFound", 400)
    check_state(instance_of(ec2, iid)["State"], "running")


def test_root_volume_detaches_only_while_stopped(ec2):
    inst = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]
    iid, root = inst["InstanceId"], devices(inst)["/dev/xvda"]["VolumeId"]
    expect_error(lambda: ec2.detach_volume(VolumeId=root), ("IncorrectState", "OperationNotPermitted"), 400)
    assert ec2.describe_volumes(VolumeIds=[root])["Volumes"][0]["State"] == "in-use"
    ec2.stop_instances(InstanceIds=[iid])
    ec2.detach_volume(VolumeId=root)
    vol = ec2.describe_volumes(VolumeIds=[root])["Volumes"][0]
    assert vol["State"] == "available" and vol["Attachments"] == []
    # Detached before termination, the root volume survives it.
    ec2.terminate_instances(InstanceIds=[iid])
    assert volume_or_none(ec2, root)["State"] == "available"


def test_an_instance_starts_only_with_a_volume_at_its_root_device(ec2):
    inst = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]
    iid, root = inst["InstanceId"], devices(inst)["/dev/xvda"]["VolumeId"]
    ec2.stop_instances(InstanceIds=[iid])
    ec2.detach_volume(VolumeId=root)
    message = expect_error(lambda: ec2.start_instances(InstanceIds=[iid]), "InvalidParameterValue", 400).response[
        "Error"]["Message"]
    assert "/dev/xvda" in message, message
    assert instance_of(ec2, iid)["State"]["Name"] == "stopped"
    # Another volume at the root device will do.
    other = new_volume(ec2, 1, az=inst["Placement"]["AvailabilityZone"])
    ec2.attach_volume(VolumeId=other, InstanceId=iid, Device="/dev/xvda")
    ec2.start_instances(InstanceIds=[iid])
    assert instance_of(ec2, iid)["State"]["Name"] == "running"


@pytest.mark.parametrize("device", ["/dev/sd", "/dev/" + "a" * 300, "/dev/sdfé", "not-a-device", "/dev/sdf0",
                                    "/dev/sdf16", "/dev/nvme1n1", "/dev/sdabc", "", "/dev/sda+1", "/dev/sdb\u0301"])
def test_device_names_are_checked(ec2, device):
    inst = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]
    vid = new_volume(ec2, 1, az=inst["Placement"]["AvailabilityZone"])
    expect_error(
        lambda: ec2.attach_volume(VolumeId=vid, InstanceId=inst["InstanceId"], Device=device),
        ("InvalidParameterValue", "MissingParameter"), 400)
    mappings = [{"DeviceName": device, "Ebs": {"VolumeSize": 1}}]
    expect_error(lambda: ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, BlockDeviceMappings=mappings),
                 ("InvalidParameterValue", "MissingParameter"), 400)
    assert ec2.describe_volumes(VolumeIds=[vid])["Volumes"][0]["State"] == "available"


def test_windows_and_partition_device_names_are_accepted(ec2):
    inst = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]
    for n, device in enumerate(["xvdf", "/dev/sdg1", "/dev/xvdba", "/dev/hdc", "/dev/sdh15"]):
        vid = new_volume(ec2, 1, az=inst["Placement"]["AvailabilityZone"])
        ec2.attach_volume(VolumeId=vid, InstanceId=inst["InstanceId"], Device=device)
    assert set(devices(instance_of(ec2, inst["InstanceId"]))) == {
        "/dev/xvda", "xvdf", "/dev/sdg1", "/dev/xvdba", "/dev/hdc", "/dev/sdh15"}


def test_placement_zone_and_zone_id(ec2):
    inst = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, Placement={"AvailabilityZoneId": "use1-az2"})
    assert inst["Instances"][0]["Placement"]["AvailabilityZone"] == "us-east-1b"
    expect_error(
        lambda: ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1,
                                  Placement={"AvailabilityZone": "us-east-1a", "AvailabilityZoneId": "use1-az2"}),
        "InvalidParameterCombination", 400)
    expect_error(
        lambda: ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, Placement={"AvailabilityZoneId": "use1-az9"}),
        "InvalidParameterValue", 400)


# ------------------------------------------------------------ RunInstances rules


def test_client_token_retry_returns_the_whole_reservation(ec2):
    token = unique("rt")
    kw = dict(ImageId=AMI, MinCount=2, MaxCount=2, InstanceType="t3.micro", ClientToken=token)
    first = ec2.run_instances(**kw)
    assert len(first["Instances"]) == 2
    again = ec2.run_instances(**kw)
    assert again["ReservationId"] == first["ReservationId"]
    assert sorted(i["InstanceId"] for i in again["Instances"]) == sorted(i["InstanceId"] for i in first["Instances"])
    found = ec2.describe_instances(Filters=[{"Name": "reservation-id", "Values": [first["ReservationId"]]}])
    assert sum(len(r["Instances"]) for r in found["Reservations"]) == 2


@pytest.mark.parametrize(
    "change", [dict(MinCount=3, MaxCount=3), dict(InstanceType="t3.large"), dict(ImageId="ami-0fedcba9876543210")]
)
def test_client_token_with_other_parameters_is_a_mismatch(ec2, change):
    token = unique("rm")
    kw = dict(ImageId=AMI, MinCount=2, MaxCount=2, InstanceType="t3.micro", ClientToken=token)
    ec2.run_instances(**kw)
    expect_error(lambda: ec2.run_instances(**{**kw, **change}), "IdempotentParameterMismatch", 400)


def test_client_token_longer_than_64_ascii_characters_is_invalid(ec2):
    ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, ClientToken="a" * 64)
    for token in ("a" * 65, "é" * 10):
        e = expect_error(
            lambda: ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, ClientToken=token), "InvalidParameterValue", 400
        )
        assert "64 ASCII characters" in e.response["Error"]["Message"]


def test_run_response_shows_pending_then_describe_shows_running(ec2):
    resp = ec2.run_instances(ImageId=AMI, MinCount=2, MaxCount=2)
    for inst in resp["Instances"]:
        check_state(inst["State"], "pending")
        check_state(instance_of(ec2, inst["InstanceId"])["State"], "running")


def test_max_count_above_the_limit_launches_the_limit(ec2):
    resp = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1000)
    assert len(resp["Instances"]) == 20
    for kw in (dict(MinCount=21, MaxCount=21), dict(MinCount=21, MaxCount=1000), dict(MinCount=0, MaxCount=1),
               dict(MinCount=2, MaxCount=1)):
        expect_error(lambda: ec2.run_instances(ImageId=AMI, **kw), "InvalidParameterValue", 400)


@pytest.mark.parametrize("rtype", ["snapshot", "image", "spot-instances-request", "network-interface"])
def test_tag_specifications_only_for_instances_and_volumes(ec2, rtype):
    run = unique("rs")
    e = expect_error(
        lambda: ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, TagSpecifications=tag_spec(rtype, {"run": run})),
        "InvalidParameterValue",
        400,
    )
    assert f"'{rtype}'" in e.response["Error"]["Message"]
    assert ec2.describe_instances(Filters=[{"Name": "tag:run", "Values": [run]}])["Reservations"] == []


def test_a_tag_specification_without_a_resource_type_is_refused(ec2):
    # Its tags could be meant for the instance or the volumes: refused, not dropped.
    run = unique("rs")
    spec = [{"Tags": [{"Key": "run", "Value": run}]}]
    expect_error(lambda: ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, TagSpecifications=spec),
                 "InvalidParameterValue", 400)
    assert ec2.describe_instances(Filters=[{"Name": "tag:run", "Values": [run]}])["Reservations"] == []


def test_no_device_and_virtual_name_mappings_make_no_volume(ec2):
    mappings = [
        {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 2}},
        {"DeviceName": "/dev/sdb", "VirtualName": "ephemeral0"},
        {"DeviceName": "/dev/sdc", "NoDevice": ""},
    ]
    inst = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, BlockDeviceMappings=mappings)["Instances"][0]
    assert list(devices(inst)) == ["/dev/xvda"]
    described = instance_of(ec2, inst["InstanceId"])
    assert list(devices(described)) == ["/dev/xvda"]
    attached = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [inst["InstanceId"]]}])
    assert [v["Attachments"][0]["Device"] for v in attached["Volumes"]] == ["/dev/xvda"]


def test_only_instance_store_keeps_the_ami_root_and_no_device_removes_it(ec2):
    inst = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, BlockDeviceMappings=[{"DeviceName": "/dev/sdb", "VirtualName": "ephemeral0"}]
    )["Instances"][0]
    assert list(devices(inst)) == ["/dev/xvda"]
    inst = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "NoDevice": ""}]
    )["Instances"][0]
    assert devices(inst) == {} and devices(instance_of(ec2, inst["InstanceId"])) == {}
    attached = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [inst["InstanceId"]]}])
    assert attached["Volumes"] == []


def test_mapping_with_ebs_and_no_device_is_refused(ec2):
    mappings = [{"DeviceName": "/dev/sdb", "NoDevice": "", "Ebs": {"VolumeSize": 1}}]
    expect_error(
        lambda: ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, BlockDeviceMappings=mappings),
        "InvalidParameterCombination",
        400,
    )

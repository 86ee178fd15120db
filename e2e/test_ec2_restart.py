"""Restarts with EC2 snapshots pending: after a kill -9 or a SIGTERM while CreateSnapshot
calls stream in, every snapshot is completed with all its blocks or in error with a
StateMessage; none stays pending and none is completed with a block missing. And the EC2
records (volumes, instances, attachments, tags, permissions) survive a restart."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from helpers import (
    assert_snapshot_equals,
    expect_error,
    list_changed,
    new_volume,
    rand_block,
    tag_spec,
    tags_of,
    upload,
    wait_snapshots,
)

AMI = "ami-0abcdef1234567890"


def snapshots_of(ec2, vids) -> list[dict]:
    pages = ec2.get_paginator("describe_snapshots").paginate(
        OwnerIds=["self"], Filters=[{"Name": "volume-id", "Values": list(vids)}], PaginationConfig={"PageSize": 100}
    )
    return [s for p in pages for s in p["Snapshots"]]


def settle(ec2, vids, timeout: float = 30.0) -> list[dict]:
    """Snapshots of the volumes once none is pending (fails after `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        snaps = snapshots_of(ec2, vids)
        pending = [s["SnapshotId"] for s in snaps if s["State"] == "pending"]
        if not pending:
            return snaps
        assert time.monotonic() < deadline, f"still pending {timeout}s after restart: {pending}"
        time.sleep(0.2)


@pytest.mark.parametrize("how", ["kill-9", "sigterm"])
def test_restart_while_snapshots_are_pending(server_factory, how):
    srv = server_factory("ec2-restart")
    ec2, ebs = srv.ec2(), srv.client()
    blocks = {i: rand_block(701, i) for i in (0, 5, 6, 511, 1024, 2047)}
    src = upload(ebs, blocks, size=1)
    vids = [new_volume(ec2, None, SnapshotId=src) for _ in range(6)]
    inst = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, Placement={"AvailabilityZone": "us-east-1a"},
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": src}},
                             {"DeviceName": "/dev/sdb", "Ebs": {"SnapshotId": src, "VolumeSize": 2}}],
    )["Instances"][0]
    inst_vols = [m["Ebs"]["VolumeId"] for m in inst["BlockDeviceMappings"]]
    all_vols = vids + inst_vols

    # Stream CreateSnapshot/CreateSnapshots calls from several threads and stop the
    # server in the middle of the stream.
    stop = threading.Event()
    answered: list[str] = []
    lock = threading.Lock()

    def stream(worker: int):
        n = 0
        while not stop.is_set():
            try:
                if worker == 0 and n % 3 == 0:
                    got = [s["SnapshotId"] for s in ec2.create_snapshots(
                        InstanceSpecification={"InstanceId": inst["InstanceId"]})["Snapshots"]]
                else:
                    got = [ec2.create_snapshot(VolumeId=vids[(worker + n) % len(vids)])["SnapshotId"]]
                with lock:
                    answered.extend(got)
            except (ClientError, BotoCoreError, OSError):
                if stop.is_set():
                    return
                raise
            n += 1

    with ThreadPoolExecutor(4) as ex:
        futures = [ex.submit(stream, w) for w in range(4)]
        deadline = time.monotonic() + 30
        while len(answered) < 40 and time.monotonic() < deadline:
            time.sleep(0.01)
        stop.set()
        if how == "kill-9":
            srv.kill()
        else:
            srv.stop()
        for f in futures:
            f.result()
    assert len(answered) >= 40, f"only {len(answered)} snapshots answered"

    srv.start()
    ec2, ebs = srv.ec2(), srv.client()
    snaps = settle(ec2, all_vols)
    ids = {s["SnapshotId"] for s in snaps}
    assert set(answered) <= ids, f"answered but lost: {sorted(set(answered) - ids)[:5]}"
    states = {}
    for s in snaps:
        states[s["State"]] = states.get(s["State"], 0) + 1
        if s["State"] == "completed":
            assert s["Progress"] == "100%", s
            expected_size = 2 if s["VolumeId"] == inst_vols[1] else 1
            assert s["VolumeSize"] == expected_size, s
            assert_snapshot_equals(ebs, s["SnapshotId"], blocks, threads=4)
        else:
            assert s["State"] == "error", s
            assert s.get("StateMessage"), f"error without a StateMessage: {s}"
    print(f"{how}: {len(snaps)} snapshots after restart: {states}")

    errored = [s["SnapshotId"] for s in snaps if s["State"] == "error"]
    if errored:
        expect_error(lambda: ec2.create_volume(AvailabilityZone="us-east-1a", SnapshotId=errored[0]), "IncorrectState", 400)
        ec2.delete_snapshot(SnapshotId=errored[0])
        expect_error(lambda: ec2.describe_snapshots(SnapshotIds=[errored[0]]), "InvalidSnapshot.NotFound", 400)

    # Every volume still snapshots whole after the restart.
    fresh = [ec2.create_snapshot(VolumeId=v)["SnapshotId"] for v in all_vols]
    for snap in wait_snapshots(ec2, fresh):
        assert snap["State"] == "completed"
        assert_snapshot_equals(ebs, snap["SnapshotId"], blocks, threads=4)


def test_ec2_state_survives_restart(server_factory):
    srv = server_factory("ec2-persist")
    ec2, ebs = srv.ec2(), srv.client()
    other = srv.tenant("other")
    blocks = {i: rand_block(702, i) for i in (1, 2, 3)}
    src = upload(ebs, blocks, size=1)
    vid = new_volume(ec2, 4, SnapshotId=src, az="us-east-1b", VolumeType="gp3", tags={"keep": "me"})
    inst = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, Placement={"AvailabilityZone": "us-east-1b"},
                             TagSpecifications=tag_spec("instance", {"role": "db"}))["Instances"][0]
    iid = inst["InstanceId"]
    ec2.attach_volume(VolumeId=vid, InstanceId=iid, Device="/dev/sdf")
    ec2.stop_instances(InstanceIds=[iid])
    [snap] = wait_snapshots(ec2, [ec2.create_snapshot(
        VolumeId=vid, Description="before restart", TagSpecifications=tag_spec("snapshot", {"k": "v"}))["SnapshotId"]])
    sid = snap["SnapshotId"]
    ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute="createVolumePermission", OperationType="add",
                                  UserIds=[other.id])
    vol_before = ec2.describe_volumes(VolumeIds=[vid])["Volumes"][0]
    inst_before = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]

    srv.restart()
    ec2, ebs = srv.ec2(), srv.client()
    other_ec2 = srv.ec2(other.creds)
    assert ec2.describe_volumes(VolumeIds=[vid])["Volumes"][0] == vol_before
    inst_after = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
    assert inst_after == inst_before
    assert inst_after["State"]["Name"] == "stopped" and tags_of(inst_after) == {"role": "db"}
    [after] = ec2.describe_snapshots(SnapshotIds=[sid])["Snapshots"]
    assert after == snap
    assert [p["UserId"] for p in ec2.describe_snapshot_attribute(
        SnapshotId=sid, Attribute="createVolumePermission")["CreateVolumePermissions"]] == [other.id]
    assert other_ec2.describe_snapshots(SnapshotIds=[sid])["Snapshots"][0]["OwnerId"] == snap["OwnerId"]
    assert_snapshot_equals(ebs, sid, blocks)
    # The next snapshot of the volume after the restart has nothing changed against the last.
    [nxt] = wait_snapshots(ec2, [ec2.create_snapshot(VolumeId=vid)["SnapshotId"]])
    assert_snapshot_equals(ebs, nxt["SnapshotId"], blocks)
    assert list_changed(ebs, sid, nxt["SnapshotId"])[0] == []

"""DeleteSnapshot frees the blocks that no other snapshot or volume needs, and only those."""

import time

from helpers import assert_snapshot_equals, rand_block, upload


def block_objects(server) -> set[str]:
    root = server.data_dir / "objects" / "blocks"
    return {p.name for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")}


def test_delete_snapshot_frees_only_unshared_blocks(server_factory):
    srv = server_factory("gc")
    ebs, ec2 = srv.client(), srv.ec2()
    shared = rand_block(71, 0)
    only_a = {1: rand_block(71, 1), 2: rand_block(71, 2)}
    a = upload(ebs, {0: shared, **only_a})
    b = upload(ebs, {5: shared, 6: rand_block(71, 6)})
    # A volume made from A keeps A's blocks alive through its base map even once A is gone.
    c = upload(ebs, {0: rand_block(71, 9)})
    volume = ec2.create_volume(AvailabilityZone="us-east-1a", SnapshotId=c)["VolumeId"]
    before = block_objects(srv)
    assert len(before) == 5

    # A fresh process: nothing counts as "recently stored" any more.
    srv.restart()
    ebs, ec2 = srv.client(), srv.ec2()
    ec2.delete_snapshot(SnapshotId=a)
    ec2.delete_snapshot(SnapshotId=c)
    deadline = time.time() + 30
    while time.time() < deadline and len(block_objects(srv)) > 3:
        time.sleep(0.2)
    after = block_objects(srv)
    assert len(after) == 3, f"expected A's two unshared blocks freed, have {len(after)}"
    assert after < before
    assert_snapshot_equals(ebs, b, {5: shared, 6: rand_block(71, 6)})
    # The volume's data (from deleted snapshot C) is still readable: snapshot it and read back.
    snap = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    ec2.get_waiter("snapshot_completed").wait(SnapshotIds=[snap], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    assert_snapshot_equals(ebs, snap, {0: rand_block(71, 9)})

"""DeleteSnapshot frees the blocks that no other snapshot or volume needs, and only those."""

import sqlite3
import time

from helpers import assert_snapshot_equals, rand_block, upload


def block_objects(server) -> set[str]:
    """Block objects the store holds: rows of the pack index (docs/object-store.md), plus any
    stored one file per key by an older blocksnap."""
    objects = server.data_dir / "objects"
    db = sqlite3.connect(f"file:{objects / '.packs' / 'index.sqlite'}?mode=ro", uri=True, timeout=10)
    try:
        keys = {row[0].rsplit("/", 1)[-1] for row in db.execute("SELECT key FROM objects WHERE key LIKE 'blocks/%'")}
    finally:
        db.close()
    legacy = objects / "blocks"
    return keys | {p.name for p in legacy.rglob("*") if p.is_file() and not p.name.startswith(".")}


def pack_files(server) -> set[str]:
    return {p.name for p in (server.data_dir / "objects" / ".packs").glob("pack-*")}


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
    first_packs = pack_files(srv)
    assert len(first_packs) == 1, first_packs

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

    # Everything deleted: every block is freed, and the pack that held them (no longer the one
    # being written) is removed from the disk.
    ec2.delete_volume(VolumeId=volume)
    for snapshot in (b, snap):
        ec2.delete_snapshot(SnapshotId=snapshot)
    deadline = time.time() + 30
    while time.time() < deadline and (block_objects(srv) or first_packs & pack_files(srv)):
        time.sleep(0.2)
    assert block_objects(srv) == set()
    assert not first_packs & pack_files(srv), f"the emptied pack {first_packs} is still on disk"

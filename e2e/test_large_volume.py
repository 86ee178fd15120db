"""A 65536 GiB sparse volume: every call costs what was written, not the volume size."""

import time

from helpers import (
    BLOCK,
    ZERO_BLOCK,
    assert_snapshot_equals,
    b64sha,
    expect_error,
    get_block,
    linear_checksum,
    list_changed,
    put,
    rand_block,
    tokens_of,
)

MAX_GIB = 65536
LAST = MAX_GIB * 2048 - 1  # 134217727
LIMIT = 5.0  # seconds per call; catches O(volume) behaviour (target: < 1 s for the whole flow)


def timed(label, fn, timings):
    t0 = time.monotonic()
    out = fn()
    dt = time.monotonic() - t0
    timings.append((label, dt))
    assert dt < LIMIT, f"{label} took {dt:.2f}s on a {MAX_GIB} GiB volume"
    return out


def complete_timed(client, snap, blocks, timings):
    timed(
        "CompleteSnapshot",
        lambda: client.complete_snapshot(
            SnapshotId=snap, ChangedBlocksCount=len(blocks), Checksum=linear_checksum(blocks),
            ChecksumAlgorithm="SHA256", ChecksumAggregationMethod="LINEAR",
        ),
        timings,
    )
    deadline = time.monotonic() + LIMIT
    while True:
        try:
            return timed("ListSnapshotBlocks", lambda: client.list_snapshot_blocks(SnapshotId=snap), timings)
        except Exception as e:
            if getattr(e, "response", {}).get("Error", {}).get("Code") != "ValidationException" or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_sparse_65536_gib_volume(client):
    timings = []
    parent_idx = [0, 1, 4096, 1_000_003, 33_554_432, 67_108_863, 99_999_999, 134_000_000, LAST - 1, LAST]
    parent_blocks = {i: rand_block(150, i) for i in parent_idx}

    resp = timed("StartSnapshot", lambda: client.start_snapshot(VolumeSize=MAX_GIB), timings)
    assert resp["VolumeSize"] == MAX_GIB and resp["BlockSize"] == BLOCK
    parent = resp["SnapshotId"]
    for i, data in parent_blocks.items():
        timed("PutSnapshotBlock", lambda: put(client, parent, i, data), timings)
    expect_error(lambda: put(client, parent, LAST + 1, rand_block(150, 0)), "ValidationException", 400)
    listing = complete_timed(client, parent, parent_blocks, timings)
    assert listing["VolumeSize"] == MAX_GIB
    assert [b["BlockIndex"] for b in listing["Blocks"]] == parent_idx

    # Listing from a starting index near the end of the volume.
    tail = timed("ListSnapshotBlocks", lambda: client.list_snapshot_blocks(SnapshotId=parent, StartingBlockIndex=LAST - 1), timings)
    assert [b["BlockIndex"] for b in tail["Blocks"]] == [LAST - 1, LAST]
    # Between far-apart blocks there is nothing: a page must not need a walk over empty space.
    mid = timed(
        "ListSnapshotBlocks",
        lambda: client.list_snapshot_blocks(SnapshotId=parent, StartingBlockIndex=1_000_004, MaxResults=100),
        timings,
    )
    assert [b["BlockIndex"] for b in mid["Blocks"]][:1] == [33_554_432]

    # Child: 10 blocks, some over the parent's, one zero block hiding a parent's block.
    child_blocks = {
        1: rand_block(151, 1), 2: rand_block(151, 2), 4096: ZERO_BLOCK, 50_000_000: rand_block(151, 3),
        99_999_999: rand_block(151, 4), 100_000_000: rand_block(151, 5), 120_000_000: rand_block(151, 6),
        133_000_000: rand_block(151, 7), LAST - 2: rand_block(151, 8), LAST: rand_block(151, 9),
    }
    child = timed(
        "StartSnapshot", lambda: client.start_snapshot(VolumeSize=MAX_GIB, ParentSnapshotId=parent), timings
    )["SnapshotId"]
    for i, data in child_blocks.items():
        timed("PutSnapshotBlock", lambda: put(client, child, i, data), timings)
    listing = complete_timed(client, child, child_blocks, timings)
    expected = {**parent_blocks, **child_blocks}
    assert [b["BlockIndex"] for b in listing["Blocks"]] == sorted(expected)

    changed = timed("ListChangedBlocks", lambda: list_changed(client, parent, child)[0], timings)
    assert [c["BlockIndex"] for c in changed] == sorted(child_blocks)
    by = {c["BlockIndex"]: c for c in changed}
    assert "FirstBlockToken" not in by[2] and "FirstBlockToken" in by[LAST]

    # The bytes are right at both ends of the volume.
    tok = tokens_of(listing["Blocks"])
    assert get_block(client, child, LAST, tok[LAST]) == child_blocks[LAST]
    assert get_block(client, child, LAST - 1, tok[LAST - 1]) == parent_blocks[LAST - 1]
    assert get_block(client, child, 4096, tok[4096]) == ZERO_BLOCK
    assert get_block(client, child, 0, tok[0]) == parent_blocks[0]
    resp = client.get_snapshot_block(SnapshotId=child, BlockIndex=4096, BlockToken=tok[4096])
    assert resp["Checksum"] == b64sha(ZERO_BLOCK)
    assert_snapshot_equals(client, parent, parent_blocks)

    total = sum(t for _, t in timings)
    print("65536 GiB flow: " + ", ".join(f"{label} {t * 1000:.0f}ms" for label, t in timings) + f"; total {total:.2f}s")

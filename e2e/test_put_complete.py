"""PutSnapshotBlock and CompleteSnapshot."""

import base64
import hashlib
from concurrent.futures import ThreadPoolExecutor

import pytest

from helpers import (
    BLOCK,
    UNKNOWN_SNAPSHOT,
    ZERO_BLOCK,
    assert_snapshot_equals,
    b64sha,
    complete,
    expect_error,
    get_block,
    linear_checksum,
    list_blocks,
    put,
    rand_block,
    small_block,
    start,
    status_of,
    text_block,
    upload,
    wait_readable,
)

VE = "ValidationException"


def test_put_block_response(client):
    snap = start(client, 1)["SnapshotId"]
    data = rand_block(30, 0)
    resp = client.put_snapshot_block(
        SnapshotId=snap, BlockIndex=0, BlockData=data, DataLength=BLOCK,
        Checksum=b64sha(data), ChecksumAlgorithm="SHA256",
    )
    assert status_of(resp) == 201
    assert resp["Checksum"] == b64sha(data)
    assert resp["ChecksumAlgorithm"] == "SHA256"


def test_put_and_read_back_various_blocks(client):
    blocks = {0: rand_block(31, 0), 1: text_block(31, 1), 2: ZERO_BLOCK, 2047: small_block(31), 1000: text_block(31, 2)}
    snap = upload(client, blocks)
    assert_snapshot_equals(client, snap, blocks)


def test_data_length_must_be_block_size(client):
    snap = start(client, 1)["SnapshotId"]
    data = rand_block(32, 0)
    # Header disagrees with the body.
    expect_error(
        lambda: client.put_snapshot_block(
            SnapshotId=snap, BlockIndex=0, BlockData=data, DataLength=BLOCK - 1,
            Checksum=b64sha(data), ChecksumAlgorithm="SHA256",
        ), VE, 400,
    )
    # Header agrees with a short body: still not a block.
    short = data[:4096]
    expect_error(lambda: put(client, snap, 0, short), VE, 400)
    # Nothing was stored by the refused puts.
    complete(client, snap, 0)
    assert list_blocks(client, snap)[0] == []


def test_checksum_mismatch(client):
    snap = start(client, 1)["SnapshotId"]
    data = rand_block(33, 0)
    wrong = b64sha(rand_block(33, 1))
    e = expect_error(lambda: put(client, snap, 0, data, checksum=wrong), VE, 400, reason_present=True)
    assert e.response.get("Reason") == "INVALID_BLOCK", e.response
    # One flipped byte in the data with the original checksum.
    corrupted = bytearray(data)
    corrupted[BLOCK // 2] ^= 0x01
    expect_error(lambda: put(client, snap, 0, bytes(corrupted), checksum=b64sha(data)), VE, 400, reason_present=True)
    complete(client, snap, 0)
    assert list_blocks(client, snap)[0] == []


def test_checksum_algorithm_must_be_sha256(client):
    snap = start(client, 1)["SnapshotId"]
    data = rand_block(34, 0)
    expect_error(
        lambda: client.put_snapshot_block(
            SnapshotId=snap, BlockIndex=0, BlockData=data, DataLength=BLOCK,
            Checksum=base64.b64encode(hashlib.md5(data).digest()).decode(), ChecksumAlgorithm="MD5",
        ), VE, 400,
    )


def test_block_index_bounds(client):
    snap = start(client, 2)["SnapshotId"]
    last = 2 * 2048 - 1
    put(client, snap, last, rand_block(35, last))
    expect_error(lambda: put(client, snap, last + 1, rand_block(35, 0)), VE, 400)
    expect_error(lambda: put(client, snap, 10 * 2048, rand_block(35, 1)), VE, 400)
    complete(client, snap, 1)
    assert [b["BlockIndex"] for b in list_blocks(client, snap)[0]] == [last]


def test_put_to_unknown_snapshot(client):
    expect_error(
        lambda: put(client, UNKNOWN_SNAPSHOT, 0, rand_block(36, 0)),
        "ResourceNotFoundException", 404, reason="SNAPSHOT_NOT_FOUND",
    )


def test_put_to_completed_snapshot(client):
    blocks = {0: rand_block(37, 0)}
    snap = upload(client, blocks)
    expect_error(lambda: put(client, snap, 1, rand_block(37, 1)), VE, 400)
    expect_error(lambda: put(client, snap, 0, rand_block(37, 2)), VE, 400)
    assert_snapshot_equals(client, snap, blocks)


def test_rewrite_keeps_last_write(client):
    snap = start(client, 1)["SnapshotId"]
    put(client, snap, 5, rand_block(38, 1))
    put(client, snap, 5, rand_block(38, 2))
    put(client, snap, 6, ZERO_BLOCK)
    put(client, snap, 6, text_block(38, 3))
    put(client, snap, 7, text_block(38, 4))
    put(client, snap, 7, ZERO_BLOCK)
    # Three distinct indexes, however often written.
    expect_error(lambda: client.complete_snapshot(SnapshotId=snap, ChangedBlocksCount=6), VE, 400)
    expected = {5: rand_block(38, 2), 6: text_block(38, 3), 7: ZERO_BLOCK}
    complete(client, snap, 3, checksum_of=expected)
    assert_snapshot_equals(client, snap, expected)


def test_progress_header(client):
    snap = start(client, 1)["SnapshotId"]
    for i, p in enumerate((0, 50, 100)):
        put(client, snap, i, small_block(3900 + i), progress=p)
    expect_error(lambda: put(client, snap, 3, small_block(3903), progress=101), VE, 400)
    expect_error(lambda: put(client, snap, 3, small_block(3903), progress=-1), VE, 400)
    complete(client, snap, 3)


def test_complete_response_and_count(client):
    blocks = {i * 3: small_block(4000 + i) for i in range(6)}
    snap = start(client, 1)["SnapshotId"]
    for idx, data in blocks.items():
        put(client, snap, idx, data)
    for wrong in (0, 5, 7):
        expect_error(lambda: client.complete_snapshot(SnapshotId=snap, ChangedBlocksCount=wrong), VE, 400)
    # Still pending after the refusals: it accepts another block.
    blocks[1] = small_block(4100)
    put(client, snap, 1, blocks[1])
    resp = client.complete_snapshot(SnapshotId=snap, ChangedBlocksCount=7)
    assert status_of(resp) == 202
    assert resp["Status"] in ("completed", "pending")
    wait_readable(client, snap)
    assert_snapshot_equals(client, snap, blocks)


def test_complete_with_linear_checksum(client):
    blocks = {0: rand_block(40, 0), 9: ZERO_BLOCK, 4: text_block(40, 4), 2047: rand_block(40, 2047)}
    snap = start(client, 1)["SnapshotId"]
    for idx in (2047, 0, 9, 4):  # written out of order on purpose
        put(client, snap, idx, blocks[idx])

    # Wrong aggregates are refused: unsorted order, a missing block, garbage.
    unsorted = hashlib.sha256(b"".join(hashlib.sha256(blocks[i]).digest() for i in (2047, 0, 9, 4))).digest()
    missing = linear_checksum({k: v for k, v in blocks.items() if k != 9})
    for bad in (base64.b64encode(unsorted).decode(), missing, b64sha(b"nonsense")):
        expect_error(
            lambda: client.complete_snapshot(
                SnapshotId=snap, ChangedBlocksCount=4, Checksum=bad,
                ChecksumAlgorithm="SHA256", ChecksumAggregationMethod="LINEAR",
            ), VE, 400,
        )
    complete(client, snap, 4, checksum_of=blocks)
    assert_snapshot_equals(client, snap, blocks)


def test_complete_checksum_covers_only_blocks_written_to_child(client):
    parent_blocks = {0: rand_block(41, 0), 1: rand_block(41, 1)}
    parent = upload(client, parent_blocks)
    child = start(client, 1, ParentSnapshotId=parent)["SnapshotId"]
    written = {1: rand_block(41, 101), 3: text_block(41, 3)}
    for idx, data in written.items():
        put(client, child, idx, data)
    # Counting the inherited block is wrong.
    expect_error(lambda: client.complete_snapshot(SnapshotId=child, ChangedBlocksCount=3), VE, 400)
    complete(client, child, 2, checksum_of=written)
    assert_snapshot_equals(client, child, {0: parent_blocks[0], **written})
    assert_snapshot_equals(client, parent, parent_blocks)


def test_complete_twice_and_unknown(client):
    snap = upload(client, {0: small_block(4200)})
    expect_error(lambda: client.complete_snapshot(SnapshotId=snap, ChangedBlocksCount=1), VE, 400)
    expect_error(
        lambda: client.complete_snapshot(SnapshotId=UNKNOWN_SNAPSHOT, ChangedBlocksCount=0),
        "ResourceNotFoundException", 404,
    )


def test_complete_empty_snapshot(client):
    snap = start(client, 4)["SnapshotId"]
    complete(client, snap, 0)
    blocks, pages = list_blocks(client, snap)
    assert blocks == []
    assert pages[0]["VolumeSize"] == 4


@pytest.mark.parametrize("count", [-1])
def test_complete_negative_count(client, count):
    snap = start(client, 1)["SnapshotId"]
    expect_error(lambda: client.complete_snapshot(SnapshotId=snap, ChangedBlocksCount=count), VE, 400)


def test_concurrent_puts(client):
    blocks = {i: rand_block(42, i) for i in range(64)}
    snap = upload(client, blocks, threads=8)
    assert_snapshot_equals(client, snap, blocks)


def test_concurrent_writes_to_one_index(client):
    """Racing writes to one index leave exactly one of the written blocks, whole."""
    snap = start(client, 1)["SnapshotId"]
    candidates = [rand_block(43, i) for i in range(8)] + [ZERO_BLOCK, text_block(43, 9)]
    with ThreadPoolExecutor(max_workers=8) as ex:
        list(ex.map(lambda d: put(client, snap, 77, d), candidates * 2))
    complete(client, snap, 1)
    blocks, _ = list_blocks(client, snap)
    assert [b["BlockIndex"] for b in blocks] == [77]
    got = get_block(client, snap, 77, blocks[0]["BlockToken"])
    assert got in candidates, "the block is none of the blocks written (torn or mixed write)"

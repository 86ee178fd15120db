"""What the engine promises about the bytes on disk, seen from outside:
blocks are stored once, zero blocks are not stored, compressible blocks are
compressed, and a block corrupted on disk is an error, never silent data."""

import os
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from helpers import (
    ZERO_BLOCK,
    assert_snapshot_equals,
    get_block,
    list_blocks,
    rand_block,
    text_block,
    tokens_of,
    upload,
)

MIB = 1 << 20


def disk_usage(root: Path) -> int:
    """Allocated bytes under root, leaving out SQLite's WAL and shared-memory
    files (they grow and shrink with checkpoints, not with what is stored)."""
    total = 0
    for dirpath, _, files in os.walk(root):
        for name in files:
            if name.endswith(("-wal", "-shm", "-journal")):
                continue
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
            except FileNotFoundError:
                pass
    return total


def test_dedup_zero_elision_and_compression(server_factory):
    srv = server_factory("storage")
    c = srv.client()
    data_dir = srv.data_dir

    u0 = disk_usage(data_dir)
    rand = {i: rand_block(180, i) for i in range(20)}  # 10 MiB, incompressible
    a = upload(c, rand)
    u1 = disk_usage(data_dir)
    assert u1 - u0 >= 9 * MIB, f"20 random blocks grew the data dir by only {(u1 - u0) / MIB:.1f} MiB"

    # The same 20 blocks again, at other indexes, in an unrelated snapshot.
    b = upload(c, {i + 100: data for i, data in rand.items()})
    u2 = disk_usage(data_dir)
    assert u2 - u1 < 2 * MIB, f"duplicate blocks grew the data dir by {(u2 - u1) / MIB:.1f} MiB (not stored once)"

    # 40 zero blocks (20 MiB of zeros).
    z = upload(c, {i: ZERO_BLOCK for i in range(40)})
    u3 = disk_usage(data_dir)
    assert u3 - u2 < 2 * MIB, f"zero blocks grew the data dir by {(u3 - u2) / MIB:.1f} MiB"

    # 20 text blocks (10 MiB, compress ~3x).
    text = {i: text_block(181, i) for i in range(20)}
    t = upload(c, text)
    u4 = disk_usage(data_dir)
    assert u4 - u3 < 6 * MIB, f"10 MiB of text grew the data dir by {(u4 - u3) / MIB:.1f} MiB (not compressed)"

    assert_snapshot_equals(c, a, rand)
    assert_snapshot_equals(c, b, {i + 100: data for i, data in rand.items()})
    assert_snapshot_equals(c, z, {i: ZERO_BLOCK for i in range(40)})
    assert_snapshot_equals(c, t, text)


def _files_containing(root: Path, needle: bytes) -> list[tuple[Path, int]]:
    hits = []
    for dirpath, _, files in os.walk(root):
        for name in files:
            p = Path(dirpath) / name
            try:
                content = p.read_bytes()
            except OSError:
                continue
            pos = content.find(needle)
            if pos >= 0:
                hits.append((p, pos))
    return hits


def test_corrupted_block_on_disk_is_an_error(server_factory):
    srv = server_factory("corrupt")
    c = srv.client()
    data = rand_block(182, 0)  # incompressible: stored raw, so findable on disk
    other = rand_block(183, 1)
    snap = upload(c, {0: data, 1: other})
    needle = data[:64]  # starts with the block's unique (seed, index) header
    hits = _files_containing(srv.data_dir, needle)
    if not hits:
        pytest.skip("the block's bytes are not stored in plain form on disk; cannot corrupt it from outside")
    for path, pos in hits:
        with open(path, "r+b") as f:
            f.seek(pos + 40)
            byte = f.read(1)
            f.seek(pos + 40)
            f.write(bytes([byte[0] ^ 0xFF]))
    srv.restart()  # no cached copy
    c = srv.client()
    tok = tokens_of(list_blocks(c, snap)[0])
    try:
        resp = c.get_snapshot_block(SnapshotId=snap, BlockIndex=0, BlockToken=tok[0])
        body = resp["BlockData"].read()
    except ClientError:
        pass  # an error response: right
    except Exception:
        pass  # the connection was cut mid-body: also not silent data
    else:
        assert body == data, "a block corrupted on disk was served as data"
    # The server keeps serving, and the intact block still reads back.
    assert srv.alive()
    assert get_block(c, snap, 1, tok[1]) == other

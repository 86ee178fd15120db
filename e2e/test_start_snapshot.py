"""StartSnapshot: response shape, limits, tags, idempotency, parents, timeouts."""

import datetime as dt
import secrets
import time

import pytest

from helpers import (
    BLOCK,
    SNAP_ID_RE,
    UNKNOWN_SNAPSHOT,
    complete,
    expect_error,
    list_blocks,
    put,
    rand_block,
    start,
    upload,
)

VE = "ValidationException"


def test_start_snapshot_response(client):
    before = dt.datetime.now(dt.timezone.utc)
    tags = [{"Key": "team", "Value": "storage"}, {"Key": "empty", "Value": ""}]
    resp = start(client, 7, Description="first of its kind", Tags=tags, Timeout=30)
    assert SNAP_ID_RE.match(resp["SnapshotId"]) and len(resp["SnapshotId"]) <= 64
    assert resp["Status"] == "pending"
    assert resp["VolumeSize"] == 7
    assert resp["BlockSize"] == BLOCK
    assert resp["Description"] == "first of its kind"
    assert sorted(resp["Tags"], key=lambda t: t["Key"]) == sorted(tags, key=lambda t: t["Key"])
    owner = resp["OwnerId"]
    assert len(owner) == 12 and owner.isdigit(), owner
    start_time = resp["StartTime"]
    assert isinstance(start_time, dt.datetime)
    assert before - dt.timedelta(minutes=5) <= start_time <= dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)
    assert "ParentSnapshotId" not in resp or resp["ParentSnapshotId"] in (None, "")

    other = start(client, 1)
    assert other["SnapshotId"] != resp["SnapshotId"]
    assert other["OwnerId"] == owner


@pytest.mark.parametrize("size", [1, 65536])
def test_volume_size_limits_accepted(client, size):
    assert start(client, size)["VolumeSize"] == size


@pytest.mark.parametrize("size", [0, -1, 65537, 1 << 40])
def test_volume_size_out_of_range(client, size):
    expect_error(lambda: client.start_snapshot(VolumeSize=size), VE, 400, reason="INVALID_VOLUME_SIZE")


@pytest.mark.parametrize("timeout", [10, 4320])
def test_timeout_limits_accepted(client, timeout):
    start(client, 1, Timeout=timeout)


@pytest.mark.parametrize("timeout", [9, 0, -5, 4321])
def test_timeout_out_of_range(client, timeout):
    expect_error(lambda: client.start_snapshot(VolumeSize=1, Timeout=timeout), VE, 400)


def test_encrypted_is_refused_for_now(client):
    expect_error(lambda: client.start_snapshot(VolumeSize=1, Encrypted=True), VE, 400, reason_present=True)


def test_encrypted_with_parent_is_refused(client):
    parent = upload(client, {0: rand_block(20, 0)})
    expect_error(lambda: client.start_snapshot(VolumeSize=1, ParentSnapshotId=parent, Encrypted=True), VE, 400)


def test_unicode_and_escapes_round_trip(client):
    desc = 'q"uo\\te\n\t\r é 🚀 \u2028 end'
    tags = [{"Key": "ключ 🔑", "Value": '"v"\n\\'}, {"Key": "🚀" * 127, "Value": "ü" * 255}]
    resp = start(client, 1, Description=desc, Tags=tags)
    assert resp["Description"] == desc
    assert sorted(resp["Tags"], key=lambda t: t["Key"]) == sorted(tags, key=lambda t: t["Key"])


def test_description_limit(client):
    assert start(client, 1, Description="d" * 255)["Description"] == "d" * 255
    expect_error(lambda: client.start_snapshot(VolumeSize=1, Description="d" * 256), VE, 400)
    # Limits count code points: "e" + U+0301 is one character on screen, two code points.
    combining = "e\u0301" * 127 + "x"  # 255 code points
    assert start(client, 1, Description=combining)["Description"] == combining
    expect_error(lambda: client.start_snapshot(VolumeSize=1, Description="e\u0301" * 128), VE, 400)
    expect_error(lambda: client.start_snapshot(VolumeSize=1, ClientToken="e\u0301" * 128), VE, 400)
    # Characters EC2's XML could only show altered (NUL, other C0 controls but tab, LF and CR,
    # U+FFFE, U+FFFF): refused, never stored (one catalog serves both APIs).
    for bad in ("x\u0000yz", "\u0000", "a\u0001b", "\u000b", "\ufffe", "k\uffff"):
        expect_error(lambda: client.start_snapshot(VolumeSize=1, Description=bad), VE, 400)
        expect_error(lambda: client.start_snapshot(VolumeSize=1, ClientToken="t" + bad), VE, 400)
        expect_error(lambda: client.start_snapshot(VolumeSize=1, Tags=[{"Key": "k" + bad, "Value": "v"}]), VE, 400)


def test_client_token_idempotency(client):
    token = "e2e-" + secrets.token_hex(12)
    params = dict(VolumeSize=2, Description="idem", Tags=[{"Key": "k", "Value": "v"}], ClientToken=token)
    first = client.start_snapshot(**params)
    second = client.start_snapshot(**params)
    assert second["SnapshotId"] == first["SnapshotId"]
    assert second["VolumeSize"] == 2 and second["Description"] == "idem"
    # Other parameters under the same token: conflict, for each kind of difference.
    for change in (dict(VolumeSize=3), dict(Description="other"), dict(Tags=[{"Key": "k", "Value": "w"}])):
        expect_error(lambda: client.start_snapshot(**{**params, **change}), "ConflictException", 409)
    # The conflicts created nothing and did not disturb the original.
    assert client.start_snapshot(**params)["SnapshotId"] == first["SnapshotId"]
    # A fresh token gives a fresh snapshot.
    fresh = client.start_snapshot(**{**params, "ClientToken": token + "-2"})
    assert fresh["SnapshotId"] != first["SnapshotId"]
    # The original is one snapshot: a block put via either answer lands in it.
    put(client, first["SnapshotId"], 0, rand_block(21, 0))
    complete(client, second["SnapshotId"], 1)


def test_client_token_after_completion_returns_same_snapshot(client):
    token = "e2e-" + secrets.token_hex(12)
    first = client.start_snapshot(VolumeSize=1, ClientToken=token)
    complete(client, first["SnapshotId"], 0)
    again = client.start_snapshot(VolumeSize=1, ClientToken=token)
    assert again["SnapshotId"] == first["SnapshotId"]


def _tag_error(client, tags):
    expect_error(lambda: client.start_snapshot(VolumeSize=1, Tags=tags), VE, 400, reason="INVALID_TAG")


def test_tags_valid_limits(client):
    tags = [{"Key": f"k{i:02d}", "Value": "v" * 255} for i in range(49)] + [{"Key": "K" * 127, "Value": ""}]
    resp = start(client, 1, Tags=tags)
    assert len(resp["Tags"]) == 50
    assert {t["Key"]: t["Value"] for t in resp["Tags"]} == {t["Key"]: t["Value"] for t in tags}


@pytest.mark.parametrize(
    "tags",
    [
        [{"Key": "K" * 128, "Value": "v"}],
        [{"Key": "k", "Value": "v" * 256}],
        [{"Key": "aws:reserved", "Value": "v"}],
        [{"Key": "", "Value": "v"}],
        [{"Key": f"k{i}", "Value": "v"} for i in range(51)],
        [{"Key": "e\u0301" * 64, "Value": "v"}],
        [{"Key": "k", "Value": "\U0001F1FA\U0001F1F8" * 128}],
    ],
    ids=["key-128", "value-256", "aws-prefix", "empty-key", "51-tags", "key-128-code-points", "value-256-code-points"],
)
def test_tags_invalid(client, tags):
    _tag_error(client, tags)


def test_parent_unknown(client):
    expect_error(
        lambda: client.start_snapshot(VolumeSize=1, ParentSnapshotId=UNKNOWN_SNAPSHOT),
        "ResourceNotFoundException", 404, reason="SNAPSHOT_NOT_FOUND",
    )


def test_parent_not_completed(client):
    pending = start(client, 1)["SnapshotId"]
    expect_error(lambda: client.start_snapshot(VolumeSize=1, ParentSnapshotId=pending), VE, 400)


def test_child_reports_parent_and_inherits_blocks(client):
    parent = upload(client, {1: rand_block(22, 1), 4: rand_block(22, 4)})
    resp = start(client, 1, ParentSnapshotId=parent)
    assert resp["ParentSnapshotId"] == parent
    child = resp["SnapshotId"]
    complete(client, child, 0)
    assert [b["BlockIndex"] for b in list_blocks(client, child)[0]] == [1, 4]


# ---------------------------------------------------------------- timeouts


def _assert_errored(client, snap, count):
    """A snapshot in `error` refuses blocks and completion."""
    expect_error(lambda: put(client, snap, 7, rand_block(24, 7)), VE, 400)
    expect_error(lambda: client.complete_snapshot(SnapshotId=snap, ChangedBlocksCount=count), VE, 400)


SWEEPS = 4.0  # seconds to let a 1-second sweeper run several times


def test_timeout_moves_pending_snapshot_to_error(server_factory):
    srv = server_factory("timeout", sweep_interval=1, clock_offset=True)
    c = srv.client()
    short = start(c, 1, Timeout=10)["SnapshotId"]
    twin = start(c, 1, Timeout=10)["SnapshotId"]
    long_ = start(c, 1, Timeout=20)["SnapshotId"]
    untouched_default = start(c, 1)["SnapshotId"]  # default 60 minutes
    put(c, short, 0, rand_block(25, 0))
    put(c, twin, 0, rand_block(25, 4))
    put(c, long_, 0, rand_block(25, 1))

    # 5 minutes later nothing has timed out. Probing `short` with a block would
    # count as activity, so probe its twin (same timeout, same history).
    srv.set_clock_offset(300)
    time.sleep(SWEEPS)
    put(c, twin, 1, rand_block(25, 5))

    # 11:40 later: the 10-minute snapshot is in error, the 20-minute one is not.
    srv.set_clock_offset(700)
    time.sleep(SWEEPS)
    _assert_errored(c, short, 1)
    put(c, long_, 1, rand_block(25, 2))
    complete(c, long_, 2)
    # The default timeout is 60 minutes.
    put(c, untouched_default, 0, rand_block(25, 3))
    srv.set_clock_offset(700 + 61 * 60)
    time.sleep(SWEEPS)
    _assert_errored(c, untouched_default, 1)


def test_timeout_counts_from_last_block(server_factory):
    srv = server_factory("timeout2", sweep_interval=1, clock_offset=True)
    c = srv.client()
    snap = start(c, 1, Timeout=10)["SnapshotId"]
    srv.set_clock_offset(500)
    put(c, snap, 0, rand_block(26, 0))  # activity at +500 s: new deadline +1100 s
    srv.set_clock_offset(900)
    time.sleep(SWEEPS)
    put(c, snap, 1, rand_block(26, 1))  # still pending; deadline now +1500 s
    srv.set_clock_offset(1300)
    time.sleep(SWEEPS)
    complete(c, snap, 2)  # completes within its timeout

    snap2 = start(c, 1, Timeout=10)["SnapshotId"]
    put(c, snap2, 0, rand_block(26, 2))
    srv.set_clock_offset(1300 + 601)
    time.sleep(SWEEPS)
    _assert_errored(c, snap2, 1)
    # The completed snapshot is not affected by the time jump.
    assert [b["BlockIndex"] for b in list_blocks(c, snap)[0]] == [0, 1]


def test_errored_snapshot_cannot_be_parent(server_factory):
    srv = server_factory("timeout3", sweep_interval=1, clock_offset=True)
    c = srv.client()
    snap = start(c, 1, Timeout=10)["SnapshotId"]
    srv.set_clock_offset(700)
    time.sleep(SWEEPS)
    _assert_errored(c, snap, 0)
    expect_error(lambda: c.start_snapshot(VolumeSize=1, ParentSnapshotId=snap), VE, 400)

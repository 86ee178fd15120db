"""Restart persistence and the kill -9 crash test."""

import functools
import os
import random
import secrets
import signal
import socket
import threading
import time

from botocore.exceptions import ClientError

from helpers import (
    ZERO_BLOCK,
    assert_snapshot_equals,
    b64sha,
    complete,
    expect_error,
    get_block,
    list_blocks,
    put,
    put_many,
    rand_block,
    sign_headers,
    start,
    text_block,
    tokens_of,
    upload,
    wait_readable,
)

VE = "ValidationException"
SWEEPS = 4.0


def lazy(seed: int, idxs) -> dict:
    """{idx: zero-arg callable giving rand_block(seed, idx)} for big uploads."""
    return {i: functools.partial(rand_block, seed, i) for i in idxs}


def test_restart_keeps_everything(server_factory):
    srv = server_factory("restart")
    c = srv.client()
    acct, b = srv.account_client("tenant")

    parent_blocks = {i: (rand_block(120, i) if i % 3 else text_block(120, i)) for i in range(0, 40, 2)}
    parent_blocks[41] = ZERO_BLOCK
    parent = upload(c, parent_blocks, Description="before restart", Tags=[{"Key": "k", "Value": "v"}])
    child_written = {0: ZERO_BLOCK, 2: rand_block(121, 2), 1999: rand_block(121, 1999)}
    child = upload(c, child_written, parent=parent)
    child_expected = {**parent_blocks, **child_written}

    pending = start(c, 1)["SnapshotId"]
    pending_blocks = {3: rand_block(122, 3), 4: rand_block(122, 4), 5: ZERO_BLOCK}
    put_many(c, pending, pending_blocks)

    token = "restart-" + secrets.token_hex(8)
    idem = c.start_snapshot(VolumeSize=2, ClientToken=token)["SnapshotId"]

    tenant_blocks = {9: rand_block(123, 9)}
    tenant_snap = upload(b, tenant_blocks)

    tokens_before = tokens_of(list_blocks(c, child)[0])

    srv.restart()  # SIGTERM, then start on the same data dir
    c = srv.client()
    b = srv.client((acct["AccessKeyId"], acct["SecretAccessKey"]))

    assert_snapshot_equals(c, parent, parent_blocks)
    assert_snapshot_equals(c, child, child_expected)
    assert [x["BlockIndex"] for x in list_blocks(c, child)[0]] == sorted(child_expected)
    # Block tokens handed out before the restart stay valid until they expire.
    assert get_block(c, child, 2, tokens_before[2]) == child_written[2]
    # Lineage survives: ListChangedBlocks still relates them.
    changed = c.list_changed_blocks(FirstSnapshotId=parent, SecondSnapshotId=child)["ChangedBlocks"]
    assert sorted(x["BlockIndex"] for x in changed) == [0, 2, 1999]

    # The pending snapshot kept its acknowledged blocks and keeps accepting more.
    pending_blocks[6] = rand_block(122, 6)
    put(c, pending, 6, pending_blocks[6])
    expect_error(lambda: c.complete_snapshot(SnapshotId=pending, ChangedBlocksCount=1), VE, 400)
    complete(c, pending, 4, checksum_of=pending_blocks)
    assert_snapshot_equals(c, pending, pending_blocks)

    # Idempotency tokens survive.
    assert c.start_snapshot(VolumeSize=2, ClientToken=token)["SnapshotId"] == idem
    expect_error(lambda: c.start_snapshot(VolumeSize=3, ClientToken=token), "ConflictException", 409)

    # Accounts and their isolation survive.
    assert_snapshot_equals(b, tenant_snap, tenant_blocks)
    expect_error(lambda: c.list_snapshot_blocks(SnapshotId=tenant_snap), "ResourceNotFoundException", 404)
    expect_error(lambda: b.list_snapshot_blocks(SnapshotId=parent), "ResourceNotFoundException", 404)


def test_kill_9_mid_upload(server_factory):
    """kill -9 in the middle of a 2000-block upload, then restart."""
    t_begin = time.monotonic()
    srv = server_factory("crash", sweep_interval=1, clock_offset=True)
    c = srv.client()

    # A: completed before the crash.
    a_blocks = lazy(130, range(0, 2048, 8))  # 256 blocks
    a = upload(c, a_blocks)

    # C: pending with Timeout 10 (will be timed out after the restart).
    cc = start(c, 1, Timeout=10)["SnapshotId"]
    put(c, cc, 0, rand_block(131, 0))
    # D: pending, a few acknowledged blocks that must survive.
    d = start(c, 1)["SnapshotId"]
    d_blocks = {i: rand_block(132, i) for i in (1, 100, 2047)}
    put_many(c, d, d_blocks)

    # B: 2000 distinct random blocks, 8 threads, killed mid-way.
    b_idxs = sorted(random.Random(133).sample(range(2048), 2000))
    b_blocks = lazy(134, b_idxs)
    b = start(c, 1)["SnapshotId"]
    crash_client = srv.client(None, connect_timeout=2, read_timeout=10)
    acked = []
    failures = []
    lock = threading.Lock()
    queue = list(b_idxs)
    random.Random(135).shuffle(queue)

    def worker():
        while True:
            with lock:
                if not queue or failures:
                    return
                idx = queue.pop()
            try:
                put(crash_client, b, idx, b_blocks[idx]())
            except Exception as e:  # connection refused / reset after the kill
                with lock:
                    failures.append(e)
                return
            with lock:
                acked.append(idx)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acked) < 700 and time.monotonic() < deadline and any(t.is_alive() for t in threads):
        time.sleep(0.005)
    n_at_kill = len(acked)
    srv.kill()  # SIGKILL by PID
    for t in threads:
        t.join(30)
    assert n_at_kill >= 500, f"only {n_at_kill} blocks acknowledged before the kill (failures: {failures[:3]})"
    assert len(acked) < 2000, "the upload finished before the kill; the test did not crash it mid-way"

    t_kill = time.monotonic()
    srv.start()
    c = srv.client()
    phases = [("upload A + crash upload of B", t_kill - t_begin)]
    t_phase = time.monotonic()

    def phase(label):
        nonlocal t_phase
        now = time.monotonic()
        phases.append((label, now - t_phase))
        t_phase = now

    # A reads back whole and verified.
    assert_snapshot_equals(c, a, a_blocks)
    phase("restart + read A")
    # D kept every acknowledged block.
    complete(c, d, 3, checksum_of=d_blocks)
    assert_snapshot_equals(c, d, d_blocks)
    # B still accepts blocks: re-put all 2000, complete, read back exactly.
    put_many(c, b, b_blocks)
    phase("re-put B")
    complete(c, b, 2000, checksum_of=b_blocks)
    phase("complete B")
    assert_snapshot_equals(c, b, b_blocks)
    phase("read B")

    # C, never completed, times out to error (time machine: +11:40).
    srv.set_clock_offset(700)
    time.sleep(SWEEPS)
    expect_error(lambda: put(c, cc, 1, rand_block(131, 1)), VE, 400)
    expect_error(lambda: c.complete_snapshot(SnapshotId=cc, ChangedBlocksCount=1), VE, 400)

    # A crash after completion loses nothing either.
    srv.kill()
    srv.start()
    c = srv.client()
    assert [x["BlockIndex"] for x in list_blocks(c, b)[0]] == b_idxs
    sample = random.Random(136).sample(b_idxs, 64)
    tok = tokens_of(list_blocks(c, b)[0])
    for idx in sample:
        assert get_block(c, b, idx, tok[idx]) == b_blocks[idx]()
    assert [x["BlockIndex"] for x in list_blocks(c, a)[0]] == sorted(a_blocks)
    expect_error(lambda: put(c, cc, 1, rand_block(131, 1)), VE, 400)

    phase("timeout C, second kill, checks")
    elapsed = time.monotonic() - t_begin
    print(
        f"crash test took {elapsed:.1f}s; {n_at_kill} blocks acknowledged at kill; "
        + ", ".join(f"{label} {t:.1f}s" for label, t in phases)
    )


def test_kill_9_during_complete(server_factory):
    """Crash around CompleteSnapshot: afterwards the snapshot is either completed
    and whole, or still pending and completable - never completed and partial."""
    srv = server_factory("crash3")
    outcomes = []
    for attempt, delay in enumerate((0.0, 0.005, 0.02, 0.1)):
        c = srv.client()
        blocks = lazy(150 + attempt, range(0, 400, 2))  # 200 blocks
        snap = start(c, 1)["SnapshotId"]
        put_many(c, snap, blocks)
        crash_client = srv.client(None, connect_timeout=2, read_timeout=10)
        result = {}

        def call_complete():
            try:
                result["resp"] = crash_client.complete_snapshot(SnapshotId=snap, ChangedBlocksCount=200)
            except Exception as e:  # cut by the kill
                result["error"] = e

        t = threading.Thread(target=call_complete)
        t.start()
        time.sleep(delay)
        srv.kill()
        t.join(30)
        srv.start()
        c = srv.client()
        try:
            c.complete_snapshot(SnapshotId=snap, ChangedBlocksCount=200)
            outcomes.append("pending")
        except ClientError as e:
            assert e.response["Error"]["Code"] == VE, e.response
            outcomes.append("completed")
        wait_readable(c, snap)
        assert_snapshot_equals(c, snap, blocks)
    print(f"states found after the kill: {outcomes}")


def test_kill_9_then_pending_snapshot_times_out(server_factory):
    """The other outcome for an interrupted upload: it times out to error, and
    a child of a completed snapshot survives the crash as well."""
    srv = server_factory("crash2", sweep_interval=1, clock_offset=True)
    c = srv.client()
    parent_blocks = {i: rand_block(140, i) for i in range(8)}
    parent = upload(c, parent_blocks)
    interrupted = start(c, 1, Timeout=10, ParentSnapshotId=parent)["SnapshotId"]
    put_many(c, interrupted, {i: rand_block(141, i) for i in range(4, 40)})
    srv.kill()
    srv.start()
    c = srv.client()
    srv.set_clock_offset(700)
    time.sleep(SWEEPS)
    expect_error(lambda: put(c, interrupted, 50, rand_block(141, 50)), VE, 400)
    expect_error(lambda: c.complete_snapshot(SnapshotId=interrupted, ChangedBlocksCount=36), VE, 400)
    # The parent is untouched by its errored child.
    assert_snapshot_equals(c, parent, parent_blocks)
    try:
        c.start_snapshot(VolumeSize=1, ParentSnapshotId=interrupted)
    except ClientError as e:
        assert e.response["Error"]["Code"] == VE
    else:
        raise AssertionError("an errored snapshot was accepted as a parent")


def sigterm_and_wait(srv, timeout: float) -> tuple[int, float]:
    """SIGTERM the server by PID and wait up to `timeout` s (SIGKILL after that): its exit
    status and the seconds it took."""
    proc = srv.proc
    t0 = time.monotonic()
    os.kill(proc.pid, signal.SIGTERM)
    try:
        rc = proc.wait(timeout)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
    srv.proc = None
    return rc, time.monotonic() - t0


def test_sigterm_stops_promptly_and_cleanly(server_factory):
    """Graceful shutdown with the default configuration: SIGTERM ends an idle
    server promptly with exit status 0, and what it stored is there after."""
    srv = server_factory("sigterm", sweep_interval=None)
    c = srv.client()
    blocks = {0: rand_block(170, 0), 1: ZERO_BLOCK}
    snap = upload(c, blocks)
    rc, took = sigterm_and_wait(srv, 30)
    assert rc == 0, f"exit status {rc} after SIGTERM"
    assert took < 5, f"SIGTERM took {took:.1f}s to stop an idle server"
    srv.start()
    assert_snapshot_equals(srv.client(), snap, blocks)


def test_sigterm_is_not_held_off_by_a_client_that_never_finishes_its_body(server_factory):
    """A signed PutSnapshotBlock whose body stops after 1000 bytes, left open: SIGTERM still
    ends the server once its grace period (15 s) is over, with exit status 0, and what it
    stored before is intact after a restart."""
    srv = server_factory("sigterm-stall", sweep_interval=None)
    c = srv.client()
    blocks = {3: rand_block(171, 3)}
    snap = upload(c, blocks)
    pending = c.start_snapshot(VolumeSize=1)["SnapshotId"]
    data = rand_block(171, 4)
    path = f"/snapshots/{pending}/blocks/0"
    headers = sign_headers(srv.url + path, "PUT", srv.root_creds, data, {
        "x-amz-Data-Length": str(len(data)), "x-amz-Checksum": b64sha(data), "x-amz-Checksum-Algorithm": "SHA256",
    }, unsigned_payload=True)
    host = srv.url.split("//", 1)[1]
    head = f"PUT {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(data)}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items() if k.lower() != "host")
    address, port = host.rsplit(":", 1)
    stalled = socket.create_connection((address, int(port)))
    try:
        stalled.sendall(head.encode() + b"\r\n" + data[:1000])
        time.sleep(0.5)
        rc, took = sigterm_and_wait(srv, 40)
    finally:
        stalled.close()
    assert rc == 0, f"exit status {rc} after SIGTERM"
    assert took < 30, f"SIGTERM took {took:.1f}s with a stalled client"
    srv.start()
    assert_snapshot_equals(srv.client(), snap, blocks)

"""Crash consistency of EC2 snapshots of volumes written over NBD, against a real
`blocksnap serve --nbd-listen`.

- CreateSnapshots of an instance is one consistent cut across its volumes: a single writer
  issues ordered, acknowledged writes alternating between the instance's two volumes while
  CreateSnapshots is called mid-stream (three times); the writes found in the snapshots form a
  prefix of the sequence that contains every write acknowledged before the call and no write
  issued after it returned.
- `kill -9` while NBD writes go on and a snapshot is being captured: the completed snapshot
  keeps its content, the interrupted one ends `error` (or `completed` with exactly the content
  at its call), every flushed write is on the volume, and a new snapshot holds exactly what
  the volume holds (changed-block tracking lost nothing across the crash).

Skipped as a whole while `blocksnap serve` does not accept --nbd-listen; each test is skipped
when libnbd's Python binding (Debian python3-libnbd) is missing.
"""

from __future__ import annotations

import struct
import threading
import time


from helpers import BLOCK, list_changed, new_volume, rand_block, read_snapshot, wait_snapshots
from nbd_support import need_libnbd, nbd, requires_nbd_listen
from nbd_support import wait_nbd_listening as wait_for_nbd

AMI = "ami-0abcdef1234567890"
PAGE = 4096


pytestmark = requires_nbd_listen


def wait_nbd_listening(srv, timeout: float = 60):
    wait_for_nbd(srv.nbd_port, srv.log_tail, timeout)


def nbd_handle(srv, volume_id: str):
    need_libnbd()
    h = nbd.NBD()
    h.connect_uri(f"nbd://127.0.0.1:{srv.nbd_port}/{volume_id}")
    return h


def wait_settled(ec2, ids: list[str], timeout: float = 120.0) -> dict[str, dict]:
    """Descriptions of the snapshots once none of them is pending (fails after `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        got = {s["SnapshotId"]: s for s in ec2.describe_snapshots(SnapshotIds=list(ids))["Snapshots"]}
        assert sorted(got) == sorted(ids), f"described {sorted(got)}, asked for {sorted(ids)}"
        pending = [i for i, s in got.items() if s["State"] == "pending"]
        if not pending:
            return got
        assert time.monotonic() < deadline, f"still pending after {timeout}s: {pending}"
        time.sleep(0.1)


# ------------------------------------------------------- one cut across volumes

# Write k goes to volume k % 2. The i-th write of a volume (i = k // 2) is a 1 KiB record at
# slot i // SPREAD of block (i % SPREAD) * STRIDE, so every write has its own place (32768 per
# volume: a writer never runs out during a slow call), the writes spread over SPREAD blocks
# across the volume, and each block collects writes all along.
RECORD = 1024
SLOTS_PER_BLOCK = BLOCK // RECORD
SPREAD = 64
STRIDE = 30  # 64 × 30 = 1920 < 2048 blocks of a 1 GiB volume
RECORD_MAGIC = b"BSCUTREC"


def record(k: int) -> bytes:
    unit = RECORD_MAGIC + struct.pack(">QQ", k, k % 2)
    return (unit * (RECORD // len(unit) + 1))[:RECORD]


def record_offset(k: int) -> int:
    i = k // 2
    assert i // SPREAD < SLOTS_PER_BLOCK, "more writes than the layout has places for"
    return (i % SPREAD) * STRIDE * BLOCK + (i // SPREAD) * RECORD


def write_at(volume: int, block: int, slot: int) -> int | None:
    """The write k whose record belongs at (block, slot) of volume `volume`, if any."""
    if block % STRIDE or block // STRIDE >= SPREAD:
        return None
    return 2 * (slot * SPREAD + block // STRIDE) + volume


def writes_in_snapshot(volume: int, blocks: dict[int, bytes], total: int) -> set[int]:
    """The writes whose record is in a snapshot of `volume`. Every slot must hold either zeros
    or the record of the write that belongs there (one of the `total` writes made)."""
    present = set()
    zero = bytes(RECORD)
    for b, data in blocks.items():
        for n in range(SLOTS_PER_BLOCK):
            got = data[n * RECORD : (n + 1) * RECORD]
            if got == zero:
                continue
            k = write_at(volume, b, n)
            assert k is not None and k < total, (
                f"volume {volume} block {b} slot {n} holds data no write put there: {got[:24]!r}"
            )
            assert got == record(k), f"volume {volume} block {b} slot {n}: not write {k}'s record: {got[:24]!r}"
            present.add(k)
    return present


class OrderedWriter(threading.Thread):
    """One writer, one write at a time: write k to volume k % 2, waiting for its
    acknowledgement before issuing write k + 1. Records when each write was issued and acked."""

    def __init__(self, handles):
        super().__init__(daemon=True)
        self.handles = handles
        self.issued: list[float] = []
        self.acked: list[float] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        try:
            k = 0
            while not self.stop.is_set():
                data, offset = record(k), record_offset(k)
                self.issued.append(time.monotonic())
                self.handles[k % 2].pwrite(data, offset)
                self.acked.append(time.monotonic())
                k += 1
        except BaseException as e:  # noqa: BLE001 - reported by the test
            self.error = e

    def count(self) -> int:
        return len(self.acked)

    def wait_for(self, predicate, what: str, timeout: float = 120):
        deadline = time.monotonic() + timeout
        while not predicate():
            if self.error is not None:
                raise AssertionError(f"writer failed: {self.error!r}")
            assert self.is_alive(), "writer stopped"
            assert time.monotonic() < deadline, f"writer too slow: {what} not reached in {timeout}s ({self.count()} writes)"
            time.sleep(0.002)


def test_create_snapshots_is_a_consistent_cut_across_volumes(server_factory):
    """Three CreateSnapshots of a two-volume instance in the middle of a stream of ordered
    writes alternating between the volumes. For each cut, the writes present across the two
    snapshots are exactly a prefix 0..m of the stream, with every write acknowledged before
    the call and none issued after it returned; later cuts are incremental on earlier ones."""
    need_libnbd()
    srv = server_factory("cut")
    wait_nbd_listening(srv)
    ec2, ebs = srv.ec2(), srv.client()
    inst = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, Placement={"AvailabilityZone": "us-east-1a"},
        BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 1}},
            {"DeviceName": "/dev/sdb", "Ebs": {"VolumeSize": 1}},
        ],
    )["Instances"][0]
    iid = inst["InstanceId"]
    vols = {m["DeviceName"]: m["Ebs"]["VolumeId"] for m in inst["BlockDeviceMappings"]}
    assert sorted(vols) == ["/dev/sdb", "/dev/xvda"], inst["BlockDeviceMappings"]
    ec2.get_waiter("volume_in_use").wait(VolumeIds=list(vols.values()), WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
    volume_ids = [vols["/dev/xvda"], vols["/dev/sdb"]]  # write k goes to volume_ids[k % 2]
    handles = [nbd_handle(srv, v) for v in volume_ids]

    writer = OrderedWriter(handles)
    cuts = []  # snapshot ids by volume index, when the call was sent and returned, StartTimes
    writer.start()
    try:
        for c in range(3):
            # Some hundreds of writes before the first cut, and between cuts.
            floor = writer.count() + 400
            writer.wait_for(lambda: writer.count() >= floor, f"cut {c}: {floor} writes")
            sent = time.monotonic()
            resp = ec2.create_snapshots(InstanceSpecification={"InstanceId": iid}, Description=f"cut {c}")
            returned = time.monotonic()
            by_volume = {s["VolumeId"]: s for s in resp["Snapshots"]}
            assert sorted(by_volume) == sorted(volume_ids), resp["Snapshots"]
            cuts.append(dict(
                sids=[by_volume[v]["SnapshotId"] for v in volume_ids], sent=sent, returned=returned,
                start_times={by_volume[v]["StartTime"] for v in volume_ids},
            ))
            # Writes go on for a while after the call returned (while the snapshots are pending).
            after = writer.count() + 300
            writer.wait_for(lambda: writer.count() >= after, f"cut {c}: 300 writes after the call")
    finally:
        writer.stop.set()
        writer.join(120)
    assert not writer.is_alive(), "writer did not stop"
    if writer.error is not None:
        raise AssertionError(f"writer failed: {writer.error!r}")
    for h in handles:
        h.shutdown()

    total = writer.count()
    issued, acked = writer.issued[:total], writer.acked[:total]
    report, durations = [], []
    previous = None
    for c, cut in enumerate(cuts):
        done = wait_snapshots(ec2, cut["sids"])
        assert [s["State"] for s in done] == ["completed", "completed"], done
        assert [s["VolumeId"] for s in done] == volume_ids
        assert len(cut["start_times"]) == 1, f"cut {c}: the snapshots' StartTimes differ: {cut['start_times']}"
        assert len({s["StartTime"] for s in done}) == 1, f"cut {c}: described StartTimes differ: {done}"

        present: set[int] = set()
        for v, sid in enumerate(cut["sids"]):
            present |= writes_in_snapshot(v, read_snapshot(ebs, sid), total)

        # L: the last write acknowledged before the call was sent; F: the first write issued
        # after it returned (both exist: hundreds of writes on either side).
        last_acked_before = max(k for k in range(total) if acked[k] < cut["sent"])
        first_issued_after = min(k for k in range(total) if issued[k] > cut["returned"])
        m = max(present) if present else -1
        missing = sorted(set(range(m + 1)) - present)
        assert not missing, (
            f"cut {c}: not a prefix: write {m} is in the snapshots but writes {missing[:10]} "
            f"({len(missing)} in all) before it are not"
        )
        assert m >= last_acked_before, (
            f"cut {c}: writes {m + 1}..{last_acked_before} were acknowledged before CreateSnapshots "
            f"was sent but are not in the snapshots"
        )
        assert m < first_issued_after, (
            f"cut {c}: writes {first_issued_after}..{m} were issued after CreateSnapshots returned "
            f"but are in the snapshots"
        )
        # The test means something: writes were in flight during the call, and went on after it.
        assert first_issued_after - last_acked_before >= 2, (
            f"cut {c}: no write was in flight during the call (L={last_acked_before}, F={first_issued_after})"
        )
        assert total - first_issued_after >= 300, f"cut {c}: too few writes after the call"
        # Both volumes took part: each snapshot holds writes of its own volume.
        assert {k % 2 for k in present} == {0, 1}
        report.append((last_acked_before, m, first_issued_after))
        durations.append(cut["returned"] - cut["sent"])

        # Incremental: the blocks changed since the previous cut's snapshot of each volume
        # include every block that received a write between the two cuts, and only blocks
        # the writer wrote.
        if previous is not None:
            prev_m, prev_sids = previous
            for v in (0, 1):
                changed, _ = list_changed(ebs, prev_sids[v], cut["sids"][v])
                changed_idx = {b["BlockIndex"] for b in changed}
                written = {record_offset(k) // BLOCK for k in range(prev_m + 1, m + 1) if k % 2 == v}
                assert written <= changed_idx, (
                    f"cut {c} volume {v}: blocks written since the previous cut are not listed as changed: "
                    f"{sorted(written - changed_idx)[:10]}"
                )
                touched = {record_offset(k) // BLOCK for k in range(total) if k % 2 == v}
                assert changed_idx <= touched, f"cut {c} volume {v}: unexpected changed blocks {sorted(changed_idx - touched)[:10]}"
                for b in changed:
                    assert b.get("SecondBlockToken"), f"cut {c} volume {v}: changed block {b['BlockIndex']} has no second token"
        previous = (m, cut["sids"])
    # And at least one cut fell inside the call, between its writes: a write acknowledged
    # after the call was sent is in the snapshots (L < m < F).
    assert any(lo < m < hi for lo, m, hi in report), f"no cut fell strictly inside its call: {report}"
    print(
        f"cuts (last acked before call, cut point m, first issued after return): {report}; {total} writes; "
        f"calls took {', '.join(f'{d * 1000:.0f} ms' for d in durations)}"
    )


# ------------------------------------------------------- kill -9 mid-capture

A_BLOCKS = range(0, 256)       # pattern A, captured by S1
B_BLOCKS = range(128, 640)     # pattern B: 512 blocks changed since S1, captured by S2
# Pattern C, written while S2 is pending: blocks of S2 the capturer reaches last (copy before
# write), blocks of S1 only, and blocks nothing wrote before.
C_TARGETS = [639 - 3 * j for j in range(24)] + [7 * j for j in range(1, 19)] + list(range(1900, 1924))
VOLUME_GIB = 1
SEED_A, SEED_B, SEED_C = 9101, 9102, 9103


def a_block(i: int) -> bytes:
    return rand_block(SEED_A, i)


def b_block(i: int) -> bytes:
    return rand_block(SEED_B, i)


def c_block(j: int) -> bytes:
    """The j-th C write's content (every C write is distinct)."""
    return rand_block(SEED_C, j)


class CWriter(threading.Thread):
    """Writes pattern C, one whole block at a time, cycling through C_TARGETS, and flushes after
    every 6th write. Records each write (target, j) and the number of writes the last
    successful flush covers. Stops at the first error (the server was killed)."""

    def __init__(self, handle):
        super().__init__(daemon=True)
        self.handle = handle
        self.writes: list[tuple[int, int]] = []  # (block, j) in issue order
        self.flushed = 0  # writes[:flushed] are durable
        self.flushes = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        j = 0
        try:
            while not self.stop.is_set():
                block = C_TARGETS[j % len(C_TARGETS)]
                self.writes.append((block, j))
                self.handle.pwrite(c_block(j), block * BLOCK)
                j += 1
                if j % 6 == 0:
                    covered = len(self.writes)
                    self.handle.flush()
                    self.flushed = covered
                    self.flushes += 1
        except BaseException as e:  # noqa: BLE001 - the kill ends it
            self.error = e


def matches_one_of(got: bytes, candidates: list[bytes]) -> bool:
    """Every 4 KiB page of `got` is that page of one of the candidates (a write cut short by
    the kill may have reached the page cache in part)."""
    for p in range(0, BLOCK, PAGE):
        page = got[p : p + PAGE]
        if not any(c[p : p + PAGE] == page for c in candidates):
            return False
    return True


def test_kill_9_during_writes_and_a_pending_snapshot(server_factory):
    """Write A, flush, snapshot S1 (completed); write B, flush; snapshot S2 and, while it is
    being captured, write C (flushing now and then); kill -9 the server; restart. S1 reads A;
    S2 is `error` with a message or `completed` with exactly A overlaid with B; nothing stays
    pending; every flushed write is on the volume; a new snapshot S3 reads exactly what the
    volume holds over NBD."""
    need_libnbd()
    began = time.monotonic()
    srv = server_factory("crash")
    wait_nbd_listening(srv)
    ec2, ebs = srv.ec2(), srv.client()
    vid = new_volume(ec2, VOLUME_GIB)
    size = VOLUME_GIB << 30
    h = nbd_handle(srv, vid)
    assert h.get_size() == size

    for i in A_BLOCKS:
        h.pwrite(a_block(i), i * BLOCK)
    h.flush()
    s1 = ec2.create_snapshot(VolumeId=vid)["SnapshotId"]
    (d1,) = wait_snapshots(ec2, [s1])
    assert d1["State"] == "completed", d1

    for i in B_BLOCKS:
        h.pwrite(b_block(i), i * BLOCK)
    h.flush()
    s2 = ec2.create_snapshot(VolumeId=vid)["SnapshotId"]
    writer = CWriter(h)
    writer.start()
    # Kill in the middle of S2's capture (its progress moved), once C writes and flushes have
    # happened while it is pending, with C writes still going on.
    deadline = time.monotonic() + 60
    try:
        while True:
            assert writer.error is None, f"C writer failed before the kill: {writer.error!r}"
            before_kill = ec2.describe_snapshots(SnapshotIds=[s2])["Snapshots"][0]
            if before_kill["State"] != "pending" or (writer.flushes >= 4 and before_kill["Progress"] != "0%"):
                break
            assert time.monotonic() < deadline, f"S2 made no progress in 60s: {before_kill}, {writer.flushes} C flushes"
            time.sleep(0.01)
    except BaseException:
        writer.stop.set()
        raise
    srv.kill()
    writer.join(60)
    assert not writer.is_alive(), "C writer still running after the kill"
    # Deterministic by size: S2 (512 blocks) is still being captured after a few dozen C writes.
    assert before_kill["State"] == "pending", (
        f"S2 was {before_kill['State']} before the kill: the scenario (kill during a pending snapshot) "
        f"did not happen; C writes {len(writer.writes)}"
    )
    c_writes, c_flushed = list(writer.writes), writer.flushed
    assert 24 <= c_flushed <= len(c_writes)

    phases = {"before the kill": time.monotonic() - began}
    srv.start()
    wait_nbd_listening(srv)
    ec2, ebs = srv.ec2(), srv.client()

    # No snapshot stays pending; S1 is intact; S2 failed or holds exactly its point in time.
    all_snaps = ec2.describe_snapshots(
        OwnerIds=["self"], Filters=[{"Name": "volume-id", "Values": [vid]}])["Snapshots"]
    assert sorted(s["SnapshotId"] for s in all_snaps) == sorted([s1, s2]), all_snaps
    states = wait_settled(ec2, [s1, s2], timeout=60)
    assert states[s1]["State"] == "completed", states[s1]
    got1 = read_snapshot(ebs, s1)
    assert sorted(got1) == list(A_BLOCKS), f"S1 lists {len(got1)} blocks"
    bad = [i for i in A_BLOCKS if got1[i] != a_block(i)]
    assert not bad, f"S1 blocks not pattern A after the crash: {bad[:10]}"

    at_s2 = {i: a_block(i) for i in A_BLOCKS}
    at_s2.update({i: b_block(i) for i in B_BLOCKS})
    d2 = states[s2]
    if d2["State"] == "error":
        assert d2.get("StateMessage"), f"S2 in error without a StateMessage: {d2}"
    else:
        assert d2["State"] == "completed", d2
        got2 = read_snapshot(ebs, s2)
        assert sorted(got2) == sorted(at_s2), f"S2 lists {len(got2)} blocks, want {len(at_s2)}"
        bad = [i for i in at_s2 if got2[i] != at_s2[i]]
        assert not bad, f"S2 completed after the crash but blocks differ from A+B: {bad[:10]}"

    # The volume holds every flushed write: B, and the C writes covered by a flush. A block
    # with C writes after the last flush holds its durable content or one of those writes.
    durable: dict[int, bytes] = dict(at_s2)
    for block, j in c_writes[:c_flushed]:
        durable[block] = c_block(j)
    maybe: dict[int, list[bytes]] = {}
    for block, j in c_writes[c_flushed:]:
        maybe.setdefault(block, []).append(c_block(j))
    phases["S1, S2 checked"] = time.monotonic() - began
    h = nbd_handle(srv, vid)
    volume: dict[int, bytes] = {}
    for off in range(0, size, 16 * BLOCK):
        chunk = h.pread(16 * BLOCK, off)
        for n in range(16):
            data = chunk[n * BLOCK : (n + 1) * BLOCK]
            if data != bytes(BLOCK):
                volume[off // BLOCK + n] = data
    lost, extra = [], []
    for i in sorted(set(durable) | set(maybe) | set(volume)):
        got = volume.get(i, bytes(BLOCK))
        want = durable.get(i, bytes(BLOCK))
        if i in maybe:
            if not matches_one_of(got, [want] + maybe[i]):
                lost.append(i)
        elif got != want:
            (lost if i in durable else extra).append(i)
    assert not lost, (
        f"blocks not holding their flushed content after kill -9: {lost[:10]} "
        f"(C writes {len(c_writes)}, flushed {c_flushed}, S2 {d2['State']})"
    )
    assert not extra, f"blocks nothing wrote are not zeros: {extra[:10]}"

    # A new snapshot holds exactly what the volume holds: no change was lost by the
    # changed-block tracking across the crash.
    phases["volume checked"] = time.monotonic() - began
    s3 = ec2.create_snapshot(VolumeId=vid)["SnapshotId"]
    (d3,) = wait_snapshots(ec2, [s3])
    assert d3["State"] == "completed", d3
    phases["S3 completed"] = time.monotonic() - began
    got3 = read_snapshot(ebs, s3)
    got3 = {i: d for i, d in got3.items() if d != bytes(BLOCK)}
    assert sorted(got3) == sorted(volume), (
        f"S3 has blocks {len(got3)}, the volume {len(volume)} non-zero blocks; "
        f"missing {sorted(set(volume) - set(got3))[:10]}, extra {sorted(set(got3) - set(volume))[:10]}"
    )
    bad = [i for i in volume if got3[i] != volume[i]]
    assert not bad, f"S3 differs from the volume in blocks {bad[:10]} (S2 {d2['State']})"
    h.shutdown()
    elapsed = time.monotonic() - began
    print(
        f"S2 {before_kill['State']} at {before_kill.get('Progress')} before the kill, {d2['State']} after; "
        f"C writes {len(c_writes)} (flushed {c_flushed}); {elapsed:.1f}s; "
        + ", ".join(f"{k} {v:.1f}s" for k, v in phases.items())
    )

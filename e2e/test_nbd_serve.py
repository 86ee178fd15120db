"""NBD against a full `blocksnap serve --nbd-listen`: real clients (qemu-img, nbdcopy,
nbdinfo, libnbd's Python binding) read and write EC2 volumes by volume id, and snapshots
taken through the EC2 API capture exactly what was written at the time of the call.

Skipped as a whole while `blocksnap serve` does not accept --nbd-listen; each test is
skipped when a client it needs is not installed (Debian qemu-utils, libnbd-bin,
python3-libnbd).
"""

from __future__ import annotations

import random
import socket
import struct
import subprocess
import threading
import time
from pathlib import Path

import pytest

from helpers import BLOCK, new_volume, read_snapshot, wait_snapshots
from nbd_support import nbd, need, need_libnbd, requires_nbd_listen, wait_nbd_listening

MiB = 1 << 20
GiB = 1 << 30


pytestmark = requires_nbd_listen


def run(*args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
    res = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    if check:
        assert res.returncode == 0, f"{' '.join(args)} exited {res.returncode}:\n{res.stdout}\n{res.stderr}"
    return res


class NBDServer:
    """A private `blocksnap serve` with NBD on its own loopback port."""

    def __init__(self, srv, port: int):
        self.srv = srv
        self.port = port

    def uri(self, volume_id: str) -> str:
        return f"nbd://127.0.0.1:{self.port}/{volume_id}"

    def handle(self, volume_id: str, allocation: bool = False):
        need_libnbd()
        h = nbd.NBD()
        if allocation:
            h.add_meta_context(nbd.CONTEXT_BASE_ALLOCATION)
        h.connect_uri(self.uri(volume_id))
        return h

    def wait_listening(self, timeout: float = 30):
        wait_nbd_listening(self.port, self.srv.log_tail, timeout)


@pytest.fixture
def nbd_server(server_factory):
    """A private server (tests here restart it and need a quiet one); conftest gives every
    server its own NBD port."""
    srv = server_factory("nbd")
    server = NBDServer(srv, srv.nbd_port)
    server.wait_listening()
    return server


def write_image(path: Path, size: int, ranges: list[tuple[int, int]], seed: int):
    """A sparse raw image: zeros except random bytes in each (offset, length)."""
    rng = random.Random(seed)
    with open(path, "wb") as f:
        f.truncate(size)
        for offset, length in ranges:
            f.seek(offset)
            f.write(rng.randbytes(length))


def pattern(tag: bytes, index: int) -> bytes:
    """One distinct block: a (tag, index) header repeated."""
    unit = tag + struct.pack(">Q", index)
    return (unit * (BLOCK // len(unit) + 1))[:BLOCK]


# ------------------------------------------------------------ real clients


def test_qemu_img_image_to_volume_to_snapshot_to_new_volume(nbd_server, tmp_path):
    need("qemu-img")
    ec2 = nbd_server.srv.ec2()
    image = tmp_path / "disk.img"
    write_image(image, 64 * MiB, [(0, 5000), (3 * MiB + 7, 2 * MiB), (63 * MiB, MiB)], seed=1)
    vid = new_volume(ec2, 1)
    run("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", str(image), nbd_server.uri(vid))
    run("qemu-img", "compare", "-f", "raw", "-F", "raw", str(image), nbd_server.uri(vid))

    sid = ec2.create_snapshot(VolumeId=vid)["SnapshotId"]
    (snap,) = wait_snapshots(ec2, [sid])
    assert snap["State"] == "completed"
    restored = new_volume(ec2, None, SnapshotId=sid)
    run("qemu-img", "compare", "-f", "raw", "-F", "raw", str(image), nbd_server.uri(restored))
    run("qemu-img", "compare", "-f", "raw", "-F", "raw", nbd_server.uri(vid), nbd_server.uri(restored))

    other = tmp_path / "other.img"
    write_image(other, 64 * MiB, [(0, 5000)], seed=2)
    assert run("qemu-img", "compare", "-f", "raw", "-F", "raw", str(other), nbd_server.uri(restored), check=False).returncode == 1


def test_nbdcopy_both_ways_and_allocation_map(nbd_server, tmp_path):
    need("nbdcopy", "nbdinfo", "qemu-img")
    ec2 = nbd_server.srv.ec2()
    image = tmp_path / "disk.img"
    write_image(image, GiB, [(0, 8 * MiB), (700 * MiB, 3 * BLOCK)], seed=3)
    vid = new_volume(ec2, 1)
    run("nbdcopy", str(image), nbd_server.uri(vid))
    back = tmp_path / "back.img"
    run("nbdcopy", nbd_server.uri(vid), str(back))
    run("cmp", str(image), str(back))

    mapped = run("nbdinfo", "--map", nbd_server.uri(vid)).stdout.split("\n")
    data = [tuple(int(x) for x in row.split()[:2]) for row in mapped if row.strip().endswith("data")]
    assert (0, 8 * MiB) in data, mapped
    assert (700 * MiB, 3 * BLOCK) in data, mapped
    info = run("nbdinfo", nbd_server.uri(vid)).stdout
    assert "export-size: 1073741824" in info and "can_multi_conn: true" in info, info


def test_unknown_and_deleted_volumes_are_not_exported(nbd_server):
    need("nbdinfo")
    ec2 = nbd_server.srv.ec2()
    assert run("nbdinfo", nbd_server.uri("vol-0123456789abcdef0"), check=False).returncode != 0
    vid = new_volume(ec2, 1)
    run("nbdinfo", nbd_server.uri(vid))
    ec2.delete_volume(VolumeId=vid)
    deadline = time.monotonic() + 30
    while run("nbdinfo", nbd_server.uri(vid), check=False).returncode == 0:
        assert time.monotonic() < deadline, "a deleted volume is still exported"
        time.sleep(0.2)


def test_deleting_a_volume_while_its_snapshot_is_pending_keeps_the_snapshot(nbd_server):
    """DeleteVolume, and TerminateInstances of an instance whose root volume has
    DeleteOnTermination, right after CreateSnapshot(s): the volume shows `deleting` until the
    capture ends, then is gone, and the snapshot completes with what was written before it."""
    need_libnbd()
    ec2, ebs = nbd_server.srv.ec2(), nbd_server.srv.client()
    blocks = 256  # 128 MiB: the capture is still running when DeleteVolume arrives
    vid = new_volume(ec2, 1)
    h = nbd_server.handle(vid)
    for i in range(blocks):
        h.pwrite(pattern(b"DEL", i), i * BLOCK)
    h.flush()
    h.shutdown()
    sid = ec2.create_snapshot(VolumeId=vid)["SnapshotId"]
    ec2.delete_volume(VolumeId=vid)
    states = {v["State"] for v in ec2.describe_volumes(Filters=[{"Name": "volume-id", "Values": [vid]}])["Volumes"]}
    assert states <= {"deleting"}, states
    [snap] = wait_snapshots(ec2, [sid])
    assert snap["State"] == "completed", snap
    got = read_snapshot(ebs, sid)
    assert sorted(got) == list(range(blocks))
    assert all(got[i] == pattern(b"DEL", i) for i in range(blocks))
    deadline = time.monotonic() + 30
    while ec2.describe_volumes(Filters=[{"Name": "volume-id", "Values": [vid]}])["Volumes"]:
        assert time.monotonic() < deadline, "the deleted volume is still listed after its snapshot completed"
        time.sleep(0.2)

    inst = ec2.run_instances(ImageId="ami-0abcdef1234567890", MinCount=1, MaxCount=1)["Instances"][0]
    root = inst["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    h = nbd_server.handle(root)
    for i in range(blocks):
        h.pwrite(pattern(b"ROOT", i), i * BLOCK)
    h.flush()
    h.shutdown()
    [rid] = [s["SnapshotId"] for s in ec2.create_snapshots(InstanceSpecification={"InstanceId": inst["InstanceId"]})["Snapshots"]]
    ec2.terminate_instances(InstanceIds=[inst["InstanceId"]])
    [snap] = wait_snapshots(ec2, [rid])
    assert snap["State"] == "completed", snap
    got = read_snapshot(ebs, rid)
    assert all(got[i] == pattern(b"ROOT", i) for i in range(blocks))


def test_a_connection_to_a_deleted_volume_gets_eio_without_filling_the_log(nbd_server):
    """A client keeps its connection to a volume that is then deleted: every request fails
    (EIO), the server keeps serving others, and it does not log a line per request."""
    need_libnbd()
    ec2 = nbd_server.srv.ec2()
    vid = new_volume(ec2, 1)
    h = nbd_server.handle(vid)
    h.pwrite(pattern(b"GONE", 0), 0)
    ec2.delete_volume(VolumeId=vid)
    failures = 0
    for _ in range(300):
        try:
            h.pread(4096, 0)
        except nbd.Error:
            failures += 1
    assert failures == 300
    h.shutdown()
    other = new_volume(ec2, 1)
    g = nbd_server.handle(other)
    g.pwrite(pattern(b"LIVE", 0), 0)
    assert g.pread(BLOCK, 0) == pattern(b"LIVE", 0)
    g.shutdown()
    assert nbd_server.srv.log_tail(2000).count("NBD request failed") < 5


# ------------------------------------------------------------ point in time


def pending_snapshot_reads_exactly(nbd_server, ec2, ebs, vid: str, blocks: int, before: bytes):
    """Write pattern `before`, CreateSnapshot, then immediately and continuously overwrite the
    same blocks with other patterns while the snapshot is pending: the snapshot reads exactly
    `before`, and the volume ends with the last overwrite."""
    h = nbd_server.handle(vid)
    for i in range(blocks):
        h.pwrite(pattern(before, i), i * BLOCK)
    # No flush: acknowledged writes are in the snapshot whether or not they were flushed.

    sid = ec2.create_snapshot(VolumeId=vid)["SnapshotId"]
    stop = threading.Event()
    rounds = []
    writes = [0]

    def overwrite():
        writer = nbd_server.handle(vid)
        order = list(range(blocks))
        r = 0
        while not stop.is_set():
            random.Random(r).shuffle(order)
            for i in order:
                writer.pwrite(pattern(b"B%03d" % r, i), i * BLOCK)
                writes[0] += 1
            rounds.append(r)
            r += 1
        writer.flush()
        writer.shutdown()

    thread = threading.Thread(target=overwrite)
    thread.start()
    writes_while_pending = 0
    try:
        while True:
            state = ec2.describe_snapshots(SnapshotIds=[sid])["Snapshots"][0]["State"]
            if state != "pending":
                break
            writes_while_pending = writes[0]
            time.sleep(0.05)
        assert state == "completed", state
    finally:
        stop.set()
        thread.join(120)
    assert rounds, "the writer never finished a round"
    assert writes_while_pending > 0, "the snapshot completed before any B write: nothing was tested"

    got = read_snapshot(ebs, sid)
    assert sorted(got) == list(range(blocks))
    for i in range(blocks):
        assert got[i] == pattern(before, i), (
            f"block {i} of the snapshot is not pattern {before!r} ({writes_while_pending} B writes seen while pending)"
        )
    last = rounds[-1]
    assert h.pread(BLOCK, 0)[:4] == b"B%03d" % last
    h.shutdown()


@pytest.mark.parametrize("retain_mib", [None, 0, 8])
def test_snapshot_holds_exactly_what_was_written_before_the_call(server_factory, retain_mib):
    """The point-in-time test, three snapshots in a row on one volume: their copy-before-write
    space is reused from one to the next (default retention, none, or less than one snapshot
    needs), and each snapshot still reads exactly what was written before its call."""
    need_libnbd()
    extra = () if retain_mib is None else ("--cow-retain-mib", str(retain_mib))
    srv = server_factory("nbd", extra_args=extra)
    nbd_server = NBDServer(srv, srv.nbd_port)
    nbd_server.wait_listening()
    ec2, ebs = srv.ec2(), srv.client()
    vid = new_volume(ec2, 1)
    for before in (b"A", b"C", b"D"):
        pending_snapshot_reads_exactly(nbd_server, ec2, ebs, vid, 192, before)


def test_flushed_writes_survive_kill_9(nbd_server):
    need_libnbd()
    ec2 = nbd_server.srv.ec2()
    vid = new_volume(ec2, 1)
    h = nbd_server.handle(vid)
    for i in range(16):
        h.pwrite(pattern(b"K", i), i * BLOCK + 12345)
    h.flush()
    h.pwrite(pattern(b"F", 99), 40 * BLOCK, nbd.CMD_FLAG_FUA)
    nbd_server.srv.kill()
    nbd_server.srv.start()
    nbd_server.wait_listening()
    h = nbd_server.handle(vid)
    for i in range(16):
        assert h.pread(BLOCK, i * BLOCK + 12345) == pattern(b"K", i), f"flushed write {i} lost"
    assert h.pread(BLOCK, 40 * BLOCK) == pattern(b"F", 99), "FUA write lost"
    h.shutdown()


# ------------------------------------------------------------ misbehaving clients


def _greeted_socket(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    greeting = b""
    while len(greeting) < 18:
        chunk = s.recv(18 - len(greeting))
        assert chunk, "closed before the greeting"
        greeting += chunk
    assert greeting[:16] == b"NBDMAGICIHAVEOPT"
    return s


def _closed_by_server(s: socket.socket) -> bool:
    try:
        while s.recv(65536):
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def _go(s: socket.socket, name: str):
    s.sendall(struct.pack(">I", 3))
    data = struct.pack(">I", len(name)) + name.encode() + struct.pack(">H", 0)
    s.sendall(b"IHAVEOPT" + struct.pack(">II", 7, len(data)) + data)
    while True:
        header = b""
        while len(header) < 20:
            header += s.recv(20 - len(header))
        _, option, rtype, length = struct.unpack(">QIII", header)
        body = b""
        while len(body) < length:
            body += s.recv(length - len(body))
        if rtype == 1:
            return
        assert rtype == 3, f"GO failed with reply type {rtype:#x}"


def test_misbehaving_clients_do_not_disturb_a_working_one(nbd_server):
    need_libnbd()
    ec2 = nbd_server.srv.ec2()
    vid = new_volume(ec2, 1)
    good = nbd_server.handle(vid)
    good.pwrite(b"g" * 4096, 0)

    s = _greeted_socket(nbd_server.port)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert _closed_by_server(s), "a garbage handshake must close the connection"

    s = _greeted_socket(nbd_server.port)
    _go(s, vid)
    # An unknown command, then a read past the end: errors, the connection stays.
    s.sendall(struct.pack(">IHHQQI", 0x25609513, 0, 77, 1, 0, 4096))
    s.sendall(struct.pack(">IHHQQI", 0x25609513, 0, 0, 2, GiB - 100, 4096))
    replies = [struct.unpack(">IIQ", s.recv(16, socket.MSG_WAITALL)) for _ in range(2)]
    assert sorted((cookie, error) for _, error, cookie in replies) == [(1, 22), (2, 22)]
    # A write announcing more than the 32 MiB maximum payload: EINVAL, then closed.
    s.sendall(struct.pack(">IHHQQI", 0x25609513, 0, 1, 3, 0, 64 * MiB))
    magic, error, cookie = struct.unpack(">IIQ", s.recv(16, socket.MSG_WAITALL))
    assert (magic, error, cookie) == (0x67446698, 22, 3)
    assert _closed_by_server(s)

    s = _greeted_socket(nbd_server.port)
    _go(s, vid)
    s.sendall(struct.pack(">IHHQQI", 0x25609513, 0, 1, 4, 8192, MiB) + b"v" * 1000)
    s.close()  # Vanishes mid-request.

    assert good.pread(4096, 0) == b"g" * 4096
    good.pwrite(b"h" * 4096, 4096)
    assert good.pread(8192, 0) == b"g" * 4096 + b"h" * 4096
    assert good.pread(1000, 8192) == bytes(1000), "a partial write must not land"
    good.shutdown()

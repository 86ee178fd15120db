#!/usr/bin/env python3
"""(f) NBD: `blocksnap serve --nbd-listen` against `nbdkit file`, and snapshots of volumes in use.

Five measurements, every one against a peer or a baseline taken in the same run:

  f1 copy     `nbdcopy IMAGE nbd://…` (write) and `nbdcopy nbd://… null:` (read) of the standard
              4 GiB image (`base.img`, make_image.py) into a fresh blocksnap volume and into a
              fresh sparse file served by `nbdkit file`, same commands, `sync` before each;
              logical MB/s = image bytes / wall time; blocksnap as a fraction of nbdkit.
              The first blocksnap run is read back once more (`nbdcopy … -`) and SHA-256-compared
              with the image (not timed).
  f2 random   fio's nbd engine (libnbd), one connection, 4 KiB random writes, 16 in flight, time
              based, over the same exports right after f1 (so both hold the image); IOPS.
  f3 cow      a volume written with random data; a fio writer (sequential 1 MiB writes 8 in
              flight, and 4 KiB random writes 16 in flight) for a fixed time with no snapshot,
              then the same right after CreateSnapshot (boto3 `ec2`) of its volume, while the
              snapshot is pending: every block of the volume is changed, so the capture runs
              longer than the writer and the writer hits frozen blocks (copy-before-write).
              Throughput with / without. Then, to tell the two costs apart, the same writer
              while a snapshot of *another* volume of the same size (all blocks changed) is
              pending: the capturer's competition for the machine without copy-before-write.
              The fraction of the writer's time each snapshot really was pending is recorded.
  f4 incr     a 64 GiB volume; WRITTEN GiB of it written through NBD with non-zero blocks (the
              standard image's non-zero blocks, each stamped unique: half incompressible, half
              text); snapshot S1 (full); then 1% of the volume's 512 KiB blocks (1311 of 131072,
              seeded, scattered over all 64 GiB) rewritten whole through NBD and snapshot S2,
              repeated (S3, …; the median is quoted). Each snapshot is timed from CreateSnapshot
              until describe_snapshots says `completed` (polled every 20 ms), with the server's
              /proc/PID/io deltas (read_bytes/write_bytes = disk, rchar/wchar = syscalls) and CPU;
              the volume's data files are dropped from the page cache first (fdatasync +
              POSIX_FADV_DONTNEED on those files only), as for a volume written long ago.
              ListChangedBlocks(S_k, S_k+1) is checked to list exactly the rewritten blocks.
              A full snapshot of the whole 64 GiB is not taken (64 GiB of disk for the volume's
              data file plus ~43 GiB of objects, ~10 min of capture); its time is estimated as
              S1's time per block × 131072, S1's blocks being non-zero and unique (the capturer
              handles blocks one at a time: see bench/README.md, section NBD).
  f5 memory   VmHWM of the f4 server process (fresh process, so its peak is f4's).

Needs: nbdkit, nbdcopy (Debian nbdkit, libnbd-bin), fio with the nbd engine (Debian fio),
python3-libnbd for /usr/bin/python3 (the f4 writer runs there as a child process: `--worker`),
boto3 for this interpreter.

    python3 bench/bench_nbd.py                 # ~10 min on a 2-core VM, writes results/nbd.json
    python3 bench/bench_nbd.py --quick         # ~4 min smoke run: 1 GiB, 2 runs, shorter phases
    python3 bench/bench_nbd.py --parts copy,cow -n 5
"""

import argparse
import contextlib
import hashlib
import json
import mmap
import os
import random
import subprocess
import sys
import threading
import time

import common as c

ZONE = c.REGION + "a"
GIB = 1 << 30
# Targets (issue 4): throughput and IOPS as a fraction of nbdkit file, the writer's throughput
# while a snapshot of its volume is pending, an incremental snapshot's time against a full one,
# and the server's peak memory.
TARGET_VS_NBDKIT = 0.80
TARGET_RANDOM_VS_NBDKIT = 0.70  # the issue: 4 KiB random writes >= 70% of nbdkit's IOPS
TARGET_COW = 0.60
TARGET_INCR = 0.02
TARGET_RSS_MIB = 300
POLL_S = 0.02


# ---------------------------------------------------------------------------
# The writer child (runs under /usr/bin/python3, which has python3-libnbd)
# ---------------------------------------------------------------------------

def worker(spec_path):
    """Writes whole 512 KiB blocks at the spec's target indexes: each a non-zero block of the
    image, stamped with (tag, target) in its first bytes so that no two blocks are equal.
    Prints one JSON line: blocks, bytes, seconds, errors."""
    import nbd
    with open(spec_path) as f:
        spec = json.load(f)
    B = c.BLOCK
    sources, targets = spec["sources"], spec["targets"]
    tag = spec["tag"].encode()
    depth = spec.get("depth", 8)
    errors = []

    def retire(err):
        if err.value:
            errors.append(err.value)
        return 1

    h = nbd.NBD()
    h.connect_uri(spec["uri"])
    with open(spec["image"], "rb") as img:
        mm = mmap.mmap(img.fileno(), 0, prot=mmap.PROT_READ)
        t0 = time.perf_counter()
        for t in targets:
            while h.aio_in_flight() >= depth:
                h.poll(-1)
            s = sources[(t * 7919 + len(tag)) % len(sources)]
            buf = bytearray(mm[s * B:(s + 1) * B])
            stamp = b"blocksnap-bench %s block %d." % (tag, t)
            buf[:len(stamp)] = stamp
            h.aio_pwrite(nbd.Buffer.from_bytearray(buf), t * B, completion=retire)
        while h.aio_in_flight() > 0:
            h.poll(-1)
        h.flush()
        wall = time.perf_counter() - t0
    h.shutdown()
    print(json.dumps({"blocks": len(targets), "bytes": len(targets) * B, "wall_s": round(wall, 3),
                      "errors": len(errors), "first_error": errors[0] if errors else None}))


def nonzero_blocks(image):
    """Indexes of the image's non-zero blocks: from make_image.py's layout when the manifest
    says how it was made, else by reading it."""
    manifest = image + ".json"
    if os.path.exists(manifest):
        with open(manifest) as f:
            m = json.load(f)
        if "seed" in m and m.get("blocks") and not m.get("mutate") and m.get("block_size") == c.BLOCK:
            sys.path.insert(0, c.BENCH_DIR)
            import make_image
            types, _ = make_image.layout(m["seed"], m["blocks"])
            return [i for i, t in enumerate(types) if t != make_image.ZERO]
    zero = bytes(c.BLOCK)
    out = []
    with open(image, "rb") as f:
        i = 0
        while True:
            b = f.read(c.BLOCK)
            if not b:
                return out
            if b != zero[:len(b)]:
                out.append(i)
            i += 1


def write_blocks(args, uri, image, sources, targets, tag, procs=2):
    """Runs `procs` writer children (one NBD connection each) over `targets`; returns the
    merged result with the wall time around all of them."""
    shards = [targets[i::procs] for i in range(procs)]
    children = []
    t0 = time.perf_counter()
    for i, shard in enumerate(shards):
        if not shard:
            continue
        path = os.path.join(args.nbd_dir, "writer-%d.json" % i)
        with open(path, "w") as f:
            json.dump({"uri": uri, "image": image, "sources": sources, "targets": shard, "tag": tag}, f)
        children.append(subprocess.Popen([args.nbd_python, os.path.abspath(__file__), "--worker", path],
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = []
    for p in children:
        out, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError("NBD writer failed (exit %d): %s" % (p.returncode, err[-2000:]))
        outs.append(json.loads(out.strip().splitlines()[-1]))
    for i in range(procs):
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(args.nbd_dir, "writer-%d.json" % i))
    wall = time.perf_counter() - t0
    errors = sum(o["errors"] for o in outs)
    if errors:
        raise RuntimeError("NBD writes failed: %d errors, first errno %s" % (errors, [o["first_error"] for o in outs]))
    n = sum(o["blocks"] for o in outs)
    return {"blocks": n, "bytes": n * c.BLOCK, "wall_s": round(wall, 3),
            "MBps": round(n * c.BLOCK / wall / c.MB, 1), "connections": len(children)}


# ---------------------------------------------------------------------------
# Servers and clients
# ---------------------------------------------------------------------------

def blocksnap(args, data_dir, log_path):
    c.rmtree(data_dir)
    s = c.blocksnap_server(args.binary, data_dir, log_path)
    s.nbd_port = c.free_port()
    s.cmd = s.cmd + ["--nbd-listen", "127.0.0.1:%d" % s.nbd_port]
    s.data_dir = data_dir
    s.start()
    c.wait_for_port(s.nbd_port, s.proc)
    return s


def nbdkit(target, log_path):
    port = c.free_port()
    s = c.Server(["nbdkit", "-f", "-i", "127.0.0.1", "-p", str(port), "file", target], port, log_path=log_path)
    s.name = "nbdkit"
    s.start()
    return s


def ec2_client(endpoint):
    import boto3
    from botocore.config import Config
    session = boto3.session.Session(aws_access_key_id=c.ACCESS_KEY, aws_secret_access_key=c.SECRET_KEY,
                                    region_name=c.REGION)
    return session.client("ec2", endpoint_url=endpoint,
                          config=Config(max_pool_connections=4, retries={"max_attempts": 1, "mode": "standard"}))


def create_volume(ec2, size_gib):
    vid = ec2.create_volume(AvailabilityZone=ZONE, Size=size_gib, VolumeType="gp3")["VolumeId"]
    deadline = time.time() + 60
    while time.time() < deadline:
        st = ec2.describe_volumes(VolumeIds=[vid])["Volumes"][0]["State"]
        if st == "available":
            return vid
        time.sleep(0.05)
    raise RuntimeError("volume %s is still %s after 60 s" % (vid, st))


def nbd_uri(srv, vid=None):
    return "nbd://127.0.0.1:%d/%s" % (srv.nbd_port, vid) if vid else "nbd://127.0.0.1:%d" % srv.port


def server_log_problems(path, limit=8):
    """Lines of a blocksnap log at level warning or worse (first `limit`), and their count."""
    lines = []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                parts = line.split(None, 2)
                if len(parts) > 1 and parts[1] in ("warning", "error", "critical"):
                    lines.append(line.rstrip()[:400])
    except OSError:
        pass
    return {"count": len(lines), "first": lines[:limit]}


def proc_io(pid):
    with open("/proc/%d/io" % pid) as f:
        return {k: int(v) for k, v in (line.split(":") for line in f)}


def drop_volume_cache(data_dir, vid):
    """fdatasync + POSIX_FADV_DONTNEED on the volume's data files only (so its next read
    comes from the disk, as for data written long ago); returns the bytes dropped."""
    total = 0
    for root, dirs, files in os.walk(data_dir):
        if os.path.basename(root) != vid:
            continue
        for name in files:
            if name.startswith("data"):
                fd = os.open(os.path.join(root, name), os.O_RDONLY)
                try:
                    os.fdatasync(fd)
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                    total += os.fstat(fd).st_blocks * 512
                finally:
                    os.close(fd)
    return total


def stop(srv):
    """Stops a server by its pid (SIGTERM, SIGKILL after 15 s); returns how long it took and
    its exit status (a graceful stop of blocksnap exits 0)."""
    proc, t0 = srv.proc, time.perf_counter()
    srv.stop()
    return {"seconds": round(time.perf_counter() - t0, 2), "exit_code": proc.returncode if proc else None}


def sync():
    subprocess.run(["sync"], check=True)


def timed(srv, cmd):
    """run_timed + the server's CPU seconds and the rest of the machine's meanwhile."""
    cpu0 = srv.cpu_seconds()
    res, out, err = c.run_timed(cmd)
    res["server_cpu_s"] = round(srv.cpu_seconds() - cpu0, 2)
    c.note_others(res, res["server_cpu_s"])
    return res, out


def fio(srv, uri, job, size_bytes, seconds, ramp=0):
    """One fio job over the nbd engine (libnbd, one connection); returns its write figures."""
    jobs = {
        "seq": ["--rw=write", "--bs=1M", "--iodepth=8"],
        "rand": ["--rw=randwrite", "--bs=4k", "--iodepth=16", "--norandommap", "--randseed=1"],
        "fill": ["--rw=write", "--bs=1M", "--iodepth=8"],
    }[job]
    cmd = ["fio", "--name=" + job, "--ioengine=nbd", "--uri=" + uri, "--size=%d" % size_bytes,
           "--output-format=json"] + jobs
    if job != "fill":
        cmd += ["--time_based", "--runtime=%g" % seconds]
        if ramp:
            cmd += ["--ramp_time=%g" % ramp]
    res, out = timed(srv, cmd)
    doc = json.loads(out[out.index("{"):])
    w = doc["jobs"][0]["write"]
    if doc["jobs"][0].get("error"):
        raise RuntimeError("fio %s: error %s" % (job, doc["jobs"][0]["error"]))
    pct = w.get("clat_ns", {}).get("percentile", {})
    res.update(iops=round(w["iops"], 1), MBps=round(w["bw_bytes"] / c.MB, 1), ios=w["total_ios"],
               runtime_s=round(w["runtime"] / 1000, 3),
               clat_p50_ms=round(pct.get("50.000000", 0) / 1e6, 3), clat_p99_ms=round(pct.get("99.000000", 0) / 1e6, 3))
    return res


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(8 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)


def sha256_export(uri):
    p = subprocess.Popen(["nbdcopy", uri, "-"], stdout=subprocess.PIPE)
    h = hashlib.sha256()
    while True:
        b = p.stdout.read(8 << 20)
        if not b:
            break
        h.update(b)
    if p.wait() != 0:
        raise RuntimeError("nbdcopy %s - failed" % uri)
    return h.hexdigest()


# ---------------------------------------------------------------------------
# f1 + f2: nbdcopy both ways, then fio random writes, blocksnap vs nbdkit file
# ---------------------------------------------------------------------------

def copy_and_rand(srv, uri, args, image, size):
    r = {}
    sync()
    r["write"], _ = timed(srv, ["nbdcopy", image, uri])
    r["write"]["MBps"] = round(size / r["write"]["wall_s"] / c.MB, 1)
    sync()
    r["read"], _ = timed(srv, ["nbdcopy", uri, "null:"])
    r["read"]["MBps"] = round(size / r["read"]["wall_s"] / c.MB, 1)
    if srv.name == "blocksnap" and not args.verified:
        r["read_back_sha256_matches"] = sha256_export(uri) == args.image_sha256
        args.verified = True
        if not r["read_back_sha256_matches"]:
            c.log("ERROR: the blocksnap export does not read back as the image")
    sync()
    r["rand"] = fio(srv, uri, "rand", size, args.rand_seconds, ramp=1)
    return r


def part_copy(args, image):
    size = os.path.getsize(image)
    size_gib = size // GIB
    args.verified = False
    args.image_sha256 = sha256_file(image)
    runs = []
    bs = blocksnap(args, os.path.join(args.nbd_dir, "copy-data"), os.path.join(args.nbd_dir, "copy-blocksnap.log"))
    try:
        ec2 = ec2_client(bs.endpoint)
        target = os.path.join(args.nbd_dir, "nbdkit-target.img")
        for i in range(args.runs):
            run = {}
            order = ("nbdkit", "blocksnap") if i % 2 == 0 else ("blocksnap", "nbdkit")
            for name in order:
                c.log("f1/f2 run %d/%d: %s" % (i + 1, args.runs, name))
                if name == "nbdkit":
                    with open(target, "wb") as f:  # a fresh sparse file each run
                        f.truncate(size)
                    kit = nbdkit(target, os.path.join(args.nbd_dir, "nbdkit.log"))
                    try:
                        run[name] = copy_and_rand(kit, nbd_uri(kit), args, image, size)
                        run[name]["max_rss_mib"] = kit.max_rss_mib()
                    finally:
                        kit.stop()
                    os.unlink(target)
                else:
                    vid = create_volume(ec2, size_gib)
                    run[name] = copy_and_rand(bs, nbd_uri(bs, vid), args, image, size)
                    ec2.delete_volume(VolumeId=vid)
                c.log(name, "write %.0f MB/s, read %.0f MB/s, 4 KiB random writes %.0f IOPS"
                      % (run[name]["write"]["MBps"], run[name]["read"]["MBps"], run[name]["rand"]["iops"]))
            runs.append(run)
        mem = bs.max_rss_mib()
    finally:
        stopped = stop(bs)
    problems = server_log_problems(os.path.join(args.nbd_dir, "copy-blocksnap.log"))
    c.rmtree(os.path.join(args.nbd_dir, "copy-data"))
    return {"image": image, "image_bytes": size, "blocksnap_max_rss_mib": mem, "server_log_problems": problems,
            "server_stop": stopped, "runs": runs}


# ---------------------------------------------------------------------------
# f3: a writer's throughput while a snapshot of its volume is pending
# ---------------------------------------------------------------------------

class SnapshotWatch:
    """Polls describe_snapshots for one snapshot until it leaves `pending`."""

    def __init__(self, ec2, sid, interval):
        self.ec2, self.sid, self.interval = ec2, sid, interval
        self.t0 = time.perf_counter()
        self.done_at = None
        self.state = "pending"
        self.message = None
        self.polls = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            s = self.ec2.describe_snapshots(SnapshotIds=[self.sid])["Snapshots"][0]
            self.polls += 1
            if s["State"] != "pending":
                self.done_at, self.state, self.message = time.perf_counter(), s["State"], s.get("StateMessage")
                return
            time.sleep(self.interval)

    def wait(self, timeout):
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise RuntimeError("snapshot %s still pending after %.0f s" % (self.sid, timeout))
        if self.state != "completed":
            raise RuntimeError("snapshot %s ended %s: %s" % (self.sid, self.state, self.message))
        return self.done_at - self.t0


def during_snapshot(bs, ec2, poll_ec2, snap_vid, uri, job, size, seconds, label):
    """CreateSnapshot of `snap_vid`, then the fio writer on `uri` at once; waits for the
    snapshot to complete. Returns the writer's figures and how much of its time was covered."""
    t0 = time.perf_counter()
    sid = ec2.create_snapshot(VolumeId=snap_vid, Description="bench " + label)["SnapshotId"]
    create_s = time.perf_counter() - t0
    watch = SnapshotWatch(poll_ec2, sid, 0.1)
    f0 = time.perf_counter()
    writer = fio(bs, uri, job, size, seconds)
    f1 = time.perf_counter()
    pending_at_end = watch.done_at is None
    pending_s = watch.wait(900)
    return {"writer": writer, "snapshot_id": sid, "create_call_s": round(create_s, 3),
            "snapshot_pending_s": round(pending_s, 2), "pending_when_writer_ended": pending_at_end,
            "writer_time_covered": round(min(1.0, (watch.done_at - f0) / (f1 - f0)), 3)}


def part_cow(args):
    size = args.cow_gib * GIB
    logp = os.path.join(args.nbd_dir, "cow-blocksnap.log")
    bs = blocksnap(args, os.path.join(args.nbd_dir, "cow-data"), logp)
    runs = []
    try:
        ec2, poll_ec2 = ec2_client(bs.endpoint), ec2_client(bs.endpoint)
        vid, other = create_volume(ec2, args.cow_gib), create_volume(ec2, args.cow_gib)
        uri, other_uri = nbd_uri(bs, vid), nbd_uri(bs, other)
        fill = fio(bs, uri, "fill", size, 0)
        c.log("f3: volume %s filled (%d GiB) at %.0f MB/s" % (vid, args.cow_gib, fill["MBps"]))
        for i in range(args.runs):
            run = {}
            for job in ("seq", "rand"):
                base = fio(bs, uri, job, size, args.cow_seconds)
                own = during_snapshot(bs, ec2, poll_ec2, vid, uri, job, size, args.cow_seconds,
                                      "cow %d %s" % (i, job))
                # the same writer while another volume (all its blocks changed) is captured:
                # the capturer's competition for the machine without copy-before-write
                fio(bs, other_uri, "fill", size, 0)
                oth = during_snapshot(bs, ec2, poll_ec2, other, uri, job, size, args.cow_seconds,
                                      "cow other %d %s" % (i, job))
                run[job] = {"baseline": base, "during_snapshot": own["writer"], "own": own,
                            "during_other_snapshot": oth["writer"], "other": oth,
                            "writer_time_covered": min(own["writer_time_covered"], oth["writer_time_covered"]),
                            "snapshot_pending_s": own["snapshot_pending_s"],
                            "ratio": round(own["writer"]["MBps"] / base["MBps"], 3),
                            "ratio_other_volume": round(oth["writer"]["MBps"] / base["MBps"], 3)}
                c.log("f3 run %d/%d %s: %.0f MB/s (%.0f IOPS) alone; while a snapshot of its volume was pending "
                      "%.0f MB/s (%.0f IOPS) = %.0f%% (snapshot %.1f s); while another volume's was pending %.0f%% "
                      "(snapshot %.1f s); writer's time covered %.0f%% / %.0f%%"
                      % (i + 1, args.runs, job, base["MBps"], base["iops"], own["writer"]["MBps"], own["writer"]["iops"],
                         100 * run[job]["ratio"], own["snapshot_pending_s"], 100 * run[job]["ratio_other_volume"],
                         oth["snapshot_pending_s"], 100 * own["writer_time_covered"], 100 * oth["writer_time_covered"]))
            runs.append(run)
        mem = bs.max_rss_mib()
    finally:
        stopped = stop(bs)
    c.rmtree(os.path.join(args.nbd_dir, "cow-data"))
    return {"volume_gib": args.cow_gib, "writer_seconds": args.cow_seconds, "fill": fill,
            "blocksnap_max_rss_mib": mem, "server_log_problems": server_log_problems(logp), "server_stop": stopped,
            "runs": runs}


# ---------------------------------------------------------------------------
# f4 + f5: incremental snapshots of a 64 GiB volume, and the server's memory
# ---------------------------------------------------------------------------

def timed_snapshot(srv, ec2, vid, label, cold):
    dropped = drop_volume_cache(srv.data_dir, vid) if cold else 0
    io0, cpu0 = proc_io(srv.pid), srv.cpu_seconds()
    with c.MachineLoad() as load:
        t0 = time.perf_counter()
        sid = ec2.create_snapshot(VolumeId=vid, Description="bench " + label)["SnapshotId"]
        polls = 0
        while True:
            s = ec2.describe_snapshots(SnapshotIds=[sid])["Snapshots"][0]
            polls += 1
            if s["State"] != "pending":
                break
            if time.perf_counter() - t0 > 1800:
                raise RuntimeError("snapshot %s still pending after 30 min" % sid)
            time.sleep(POLL_S)
        wall = time.perf_counter() - t0
    io1, cpu = proc_io(srv.pid), srv.cpu_seconds() - cpu0
    if s["State"] != "completed":
        raise RuntimeError("snapshot %s ended %s: %s" % (sid, s["State"], s.get("StateMessage")))
    d = {k: io1[k] - io0[k] for k in ("rchar", "wchar", "read_bytes", "write_bytes")}
    return {"snapshot_id": sid, "wall_s": round(wall, 3), "polls": polls, "server_cpu_s": round(cpu, 2),
            "others_cpu_s": load.others_s(cpu), "page_cache_dropped_bytes": dropped, **d}


def part_incr(args, image):
    vol_gib = args.snap_volume_gib
    total_blocks = vol_gib * GIB // c.BLOCK
    written_blocks = int(args.snap_written_gib * GIB) // c.BLOCK
    changed = max(1, round(total_blocks * args.changed_pct / 100))
    need = int(args.snap_written_gib * 2 + changed * args.incrementals * c.BLOCK * 2 / GIB) + 2
    st = os.statvfs(args.nbd_dir)
    if st.f_bavail * st.f_frsize < need * GIB:
        raise RuntimeError("f4 needs ~%d GiB free in %s" % (need, args.nbd_dir))
    sources = nonzero_blocks(image)
    data_dir = os.path.join(args.nbd_dir, "incr-data")
    logp = os.path.join(args.nbd_dir, "incr-blocksnap.log")
    bs = blocksnap(args, data_dir, logp)
    try:
        ec2 = ec2_client(bs.endpoint)
        ebs = c.ebs_client(bs.endpoint)
        vid = create_volume(ec2, vol_gib)
        uri = nbd_uri(bs, vid)
        fill = write_blocks(args, uri, image, sources, list(range(written_blocks)), "fill")
        c.log("f4: %d GiB volume %s, %d blocks written at %.0f MB/s" % (vol_gib, vid, fill["blocks"], fill["MBps"]))
        full = timed_snapshot(bs, ec2, vid, "full", not args.warm)
        full["blocks"] = written_blocks
        c.log("f4: full snapshot of %d blocks: %.2f s, server read %.0f MB (disk %.0f MB), wrote %.0f MB (disk %.0f MB)"
              % (written_blocks, full["wall_s"], full["rchar"] / c.MB, full["read_bytes"] / c.MB,
                 full["wchar"] / c.MB, full["write_bytes"] / c.MB))
        prev, incs = full["snapshot_id"], []
        for k in range(args.incrementals):
            targets = sorted(random.Random(1000 + k).sample(range(total_blocks), changed))
            w = write_blocks(args, uri, image, sources, targets, "gen%d" % (k + 1))
            inc = timed_snapshot(bs, ec2, vid, "incremental %d" % (k + 1), not args.warm)
            inc["blocks_rewritten"] = changed
            inc["rewrite"] = w
            listed, pages = c.list_all(ebs, "list_changed_blocks", "ChangedBlocks", FirstSnapshotId=prev,
                                       SecondSnapshotId=inc["snapshot_id"], MaxResults=10000)
            inc["list_changed_blocks"] = len(listed)
            inc["list_changed_match"] = sorted(b["BlockIndex"] for b in listed) == targets
            prev = inc["snapshot_id"]
            incs.append(inc)
            c.log("f4: incremental %d (%d blocks rewritten at %.0f MB/s): %.3f s, server read %.0f MB (disk %.0f MB), "
                  "wrote %.0f MB (disk %.0f MB); ListChangedBlocks %d (%s)"
                  % (k + 1, changed, w["MBps"], inc["wall_s"], inc["rchar"] / c.MB, inc["read_bytes"] / c.MB,
                     inc["wchar"] / c.MB, inc["write_bytes"] / c.MB, len(listed),
                     "= the rewritten blocks" if inc["list_changed_match"] else "MISMATCH"))
        mem = {"vm_hwm_mib": round((c.proc_status_kib(bs.pid, "VmHWM") or 0) / 1024, 1),
               "vm_rss_end_mib": round((c.proc_status_kib(bs.pid, "VmRSS") or 0) / 1024, 1)}
        objects_mib = round(c.du_bytes(os.path.join(data_dir, "objects")) / c.MIB)
    finally:
        stopped = stop(bs)
    problems = server_log_problems(logp)
    c.rmtree(data_dir)
    return {"volume_gib": vol_gib, "volume_blocks": total_blocks, "written_blocks": written_blocks,
            "changed_blocks": changed, "cold_cache": not args.warm, "fill": fill, "full": full,
            "incrementals": incs, "memory": mem, "objects_mib": objects_mib, "server_log_problems": problems,
            "server_stop": stopped}


# ---------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------

def summarize(res):
    s = {}
    med = c.median
    cp = res.get("copy")
    if cp:
        runs = cp["runs"]
        for tool in ("blocksnap", "nbdkit"):
            for ph in ("write", "read"):
                s["%s_%s_MBps" % (tool, ph)] = med([r[tool][ph]["MBps"] for r in runs])
                s["%s_%s_s" % (tool, ph)] = med([r[tool][ph]["wall_s"] for r in runs])
                s["%s_%s_server_cpu_s" % (tool, ph)] = med([r[tool][ph]["server_cpu_s"] for r in runs])
                s["%s_%s_client_cpu_s" % (tool, ph)] = med([r[tool][ph]["cpu_user_s"] + r[tool][ph]["cpu_sys_s"] for r in runs])
                s["%s_%s_others_cpu_s" % (tool, ph)] = med([r[tool][ph]["others_cpu_s"] for r in runs])
            s[tool + "_rand_iops"] = med([r[tool]["rand"]["iops"] for r in runs])
            s[tool + "_rand_p99_ms"] = med([r[tool]["rand"]["clat_p99_ms"] for r in runs])
            s[tool + "_rand_server_cpu_s"] = med([r[tool]["rand"]["server_cpu_s"] for r in runs])
            s[tool + "_rand_others_cpu_s"] = med([r[tool]["rand"]["others_cpu_s"] for r in runs])
        # same-run ratios, then their median (the usual way here); also the ratio of medians
        for ph in ("write", "read"):
            s[ph + "_vs_nbdkit"] = med([r["blocksnap"][ph]["MBps"] / r["nbdkit"][ph]["MBps"] for r in runs])
            s[ph + "_target_met"] = s[ph + "_vs_nbdkit"] >= TARGET_VS_NBDKIT
        s["rand_vs_nbdkit"] = med([r["blocksnap"]["rand"]["iops"] / r["nbdkit"]["rand"]["iops"] for r in runs])
        s["rand_target_met"] = s["rand_vs_nbdkit"] >= TARGET_RANDOM_VS_NBDKIT
        s["copy_image_gib"] = round(cp["image_bytes"] / GIB, 2)
        s["read_back_verified"] = all(r["blocksnap"].get("read_back_sha256_matches", True) for r in runs)
        s["copy_blocksnap_max_rss_mib"] = cp["blocksnap_max_rss_mib"]
    cw = res.get("cow")
    if cw:
        for job in ("seq", "rand"):
            rs = [r[job] for r in cw["runs"]]
            s["cow_%s_baseline_MBps" % job] = med([r["baseline"]["MBps"] for r in rs])
            s["cow_%s_during_MBps" % job] = med([r["during_snapshot"]["MBps"] for r in rs])
            s["cow_%s_baseline_iops" % job] = med([r["baseline"]["iops"] for r in rs])
            s["cow_%s_during_iops" % job] = med([r["during_snapshot"]["iops"] for r in rs])
            s["cow_%s_ratio" % job] = med([r["ratio"] for r in rs])
            s["cow_%s_other_volume_ratio" % job] = med([r["ratio_other_volume"] for r in rs])
            s["cow_%s_min_covered" % job] = min(r["writer_time_covered"] for r in rs)
            s["cow_%s_snapshot_s" % job] = med([r["snapshot_pending_s"] for r in rs])
            s["cow_%s_target_met" % job] = s["cow_%s_ratio" % job] >= TARGET_COW
        s["cow_volume_gib"] = cw["volume_gib"]
        s["cow_writer_seconds"] = cw["writer_seconds"]
    inc = res.get("incr")
    if inc:
        full = inc["full"]
        incs = inc["incrementals"]
        s["incr_volume_gib"] = inc["volume_gib"]
        s["incr_written_blocks"] = inc["written_blocks"]
        s["incr_changed_blocks"] = inc["changed_blocks"]
        s["incr_full_s"] = full["wall_s"]
        s["incr_full_ms_per_block"] = round(1000 * full["wall_s"] / inc["written_blocks"], 3)
        s["incr_full_64g_est_s"] = round(full["wall_s"] * inc["volume_blocks"] / inc["written_blocks"], 1)
        s["incr_s"] = med([x["wall_s"] for x in incs])
        s["incr_max_s"] = max(x["wall_s"] for x in incs)
        s["incr_vs_full_64g_est"] = s["incr_s"] / s["incr_full_64g_est_s"]
        s["incr_vs_full_measured"] = s["incr_s"] / full["wall_s"]
        s["incr_target_met"] = s["incr_vs_full_64g_est"] <= TARGET_INCR
        changed_bytes = inc["changed_blocks"] * c.BLOCK
        s["incr_changed_bytes"] = changed_bytes
        for k in ("rchar", "read_bytes", "wchar", "write_bytes", "server_cpu_s"):
            s["incr_" + k] = med([x[k] for x in incs])
            s["full_" + k] = full[k]
        s["incr_read_vs_changed"] = s["incr_rchar"] / changed_bytes
        s["incr_disk_read_vs_changed"] = s["incr_read_bytes"] / changed_bytes
        s["incr_list_changed_all_match"] = all(x["list_changed_match"] for x in incs)
        s["incr_cold_cache"] = inc["cold_cache"]
        s["incr_max_rss_mib"] = inc["memory"]["vm_hwm_mib"]
        s["incr_rss_target_met"] = s["incr_max_rss_mib"] < TARGET_RSS_MIB
        s["incr_fill_MBps"] = inc["fill"]["MBps"]
        s["incr_objects_mib"] = inc["objects_mib"]
    problems = {k: res[k]["server_log_problems"]["count"] for k in ("copy", "cow", "incr") if k in res}
    s["server_log_warnings"] = problems
    s["server_stops"] = {k: res[k]["server_stop"] for k in ("copy", "cow", "incr") if k in res}
    for k, v in list(s.items()):
        if isinstance(v, float):
            s[k] = round(v, 4)
    return s


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        return worker(sys.argv[2])
    ap = c.base_args(argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter))
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 1 GiB image, 2 runs, 4 s phases, 1 GiB written in f4, 2 incrementals")
    ap.add_argument("--parts", default="copy,cow,incr", help="any of copy (f1+f2), cow (f3), incr (f4+f5)")
    ap.add_argument("--size-gib", type=int, default=4, help="f1/f2 image and export size (default 4: base.img)")
    ap.add_argument("--rand-seconds", type=float, default=10, help="f2 fio runtime per run (default 10)")
    ap.add_argument("--cow-gib", type=int, default=2, help="f3 volume size (default 2)")
    ap.add_argument("--cow-seconds", type=float, default=5, help="f3 writer time per measurement (default 5)")
    ap.add_argument("--snap-volume-gib", type=int, default=64, help="f4 volume size (default 64)")
    ap.add_argument("--snap-written-gib", type=float, default=8, help="f4: GiB written before S1 (default 8)")
    ap.add_argument("--changed-pct", type=float, default=1.0, help="f4: %% of the volume's blocks rewritten (default 1)")
    ap.add_argument("--incrementals", type=int, help="f4 incremental snapshots (default: --runs)")
    ap.add_argument("--warm", action="store_true", help="f4: leave the volume's data in the page cache")
    ap.add_argument("--nbd-python", default=os.environ.get("NBD_PYTHON", "/usr/bin/python3"),
                    help="interpreter with python3-libnbd for the f4 writer (default /usr/bin/python3)")
    args = ap.parse_args()
    if args.quick:
        args.runs = min(args.runs, 2)
        args.size_gib, args.rand_seconds, args.cow_gib, args.cow_seconds = 1, 4, 1, 3
        args.snap_written_gib = 1
    if args.incrementals is None:
        args.incrementals = args.runs
    parts = set(args.parts.split(","))
    if not os.path.exists(args.binary):
        raise SystemExit("no blocksnap binary at %s" % args.binary)
    for tool in ("nbdkit", "nbdcopy", "fio"):
        if not subprocess.run(["sh", "-c", "command -v " + tool], capture_output=True).stdout:
            raise SystemExit("%s is missing (apt-get install nbdkit libnbd-bin fio)" % tool)
    if "nbd" not in subprocess.run(["fio", "--enghelp"], capture_output=True, text=True).stdout.split():
        raise SystemExit("this fio has no nbd engine")
    if "incr" in parts and subprocess.run([args.nbd_python, "-c", "import nbd"]).returncode != 0:
        raise SystemExit("%s cannot import nbd (apt-get install python3-libnbd)" % args.nbd_python)
    args.nbd_dir = os.path.join(args.workdir, "nbd")
    os.makedirs(args.nbd_dir, exist_ok=True)
    base = c.ensure_image(args.workdir)
    if args.size_gib == 4:
        image = base
    else:
        image = os.path.join(args.nbd_dir, "base-%dg.img" % args.size_gib)
        if not os.path.exists(image + ".json"):
            subprocess.run([sys.executable, os.path.join(c.BENCH_DIR, "make_image.py"), image,
                            "--size-gib", str(args.size_gib), "--seed", "1"], check=True)
    machine = c.machine_notes(args.workdir, args.binary)
    for tool, cmd in (("nbdkit", ["nbdkit", "--version"]), ("nbdcopy", ["nbdcopy", "--version"]), ("fio", ["fio", "--version"])):
        machine[tool] = c._first_line(cmd)
    res = {}
    t0 = time.time()
    if "copy" in parts:
        res["copy"] = part_copy(args, image)
    if "cow" in parts:
        res["cow"] = part_cow(args)
    if "incr" in parts:
        res["incr"] = part_incr(args, base)
    machine["fsync_per_s_at_end"] = c.fsync_probe(args.workdir)
    machine["loadavg_at_end"] = os.getloadavg()
    machine["seconds"] = round(time.time() - t0)
    summary = summarize(res)
    c.log("summary", json.dumps(summary))
    config = {k: getattr(args, k) for k in ("quick", "size_gib", "rand_seconds", "cow_gib", "cow_seconds",
                                              "snap_volume_gib", "snap_written_gib", "changed_pct", "incrementals", "warm")}
    name = "nbd" if parts == {"copy", "cow", "incr"} and not args.quick else "nbd-partial"
    c.write_results(name, {"runs_n": args.runs, "parts": sorted(parts), "config": config, "machine": machine,
                           "summary": summary, **res})


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Where the time of `blocksnap upload` / `download` goes (not part of the timed results).

One upload + download of the standard image per experiment, against a fresh server:
  plain       no instrumentation (baseline for the others)
  nofsync     the server under `eatmydata` (LD_PRELOAD turning fsync/fdatasync/sync into
              no-ops): how much of the wall time durability costs
  strace      `strace -c -f` on the server and on the client: syscall counts and times
              (fsync per block, SQLite fdatasync per group commit, files created ...)
  perf        `perf record -g` (cpu-clock) on both: the top symbols and the share of
              zstd / SHA-256 / kernel / SQLite / Swift runtime
--data-root DIR puts the server's data dir elsewhere (e.g. on a freshly made file system, to
separate the code's cost from that of an aged shared one). Writes bench/results/diagnose.json and prints a digest. Needs strace, perf, eatmydata for
the respective experiments (missing ones are skipped).
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import time

import common as c


def perf_digest(data_path, top=25):
    """Top self-time symbols and shares of a few interesting groups (children included)."""
    if not os.path.exists(data_path):
        return None
    self_rep = subprocess.run(["perf", "report", "-i", data_path, "--stdio", "--no-children", "-g", "none",
                               "--sort", "dso,sym"], capture_output=True, text=True).stdout
    child_rep = subprocess.run(["perf", "report", "-i", data_path, "--stdio", "--children", "-g", "none",
                                "--sort", "sym"], capture_output=True, text=True).stdout
    m = re.search(r"# Samples: (\S+)", self_rep)
    rows = []
    for line in self_rep.splitlines():
        mm = re.match(r"\s+([\d.]+)%\s+(\S+)\s+\[.\]\s+(.*)", line)
        if mm:
            rows.append((float(mm.group(1)), mm.group(2), mm.group(3).strip()[:100]))
    children = {}
    for line in child_rep.splitlines():
        mm = re.match(r"\s+([\d.]+)%\s+([\d.]+)%\s+\[.\]\s+(.*)", line)
        if mm:
            children.setdefault(mm.group(3).strip(), float(mm.group(1)))
    groups = {
        "zstd (libzstd)": sum(p for p, dso, _ in rows if "zstd" in dso),
        "sha256": sum(p for p, _, s in rows if "sha256" in s.lower()),
        "sqlite (libsqlite3)": sum(p for p, dso, _ in rows if "sqlite" in dso),
        "swift runtime (libswiftCore)": sum(p for p, dso, _ in rows if "libswiftCore" in dso),
        "libc (memmove, malloc...)": sum(p for p, dso, _ in rows if dso.startswith("libc")),
        "kernel": sum(p for p, dso, _ in rows if "kernel" in dso),
    }
    for label, sym in (("file create (openat)", "__x64_sys_openat"), ("fsync", "__x64_sys_fsync"),
                       ("fdatasync", "__x64_sys_fdatasync"), ("pwrite", "__x64_sys_pwrite64"),
                       ("futex", "__x64_sys_futex"), ("socket read", "sock_read_iter"),
                       ("socket write", "sock_write_iter"), ("rename", "__x64_sys_rename")):
        if sym in children:
            groups[label + " (incl. children)"] = children[sym]
    for sym, pct in children.items():
        if "DatabasePool" in sym and "read" in sym:
            groups["GRDB DatabasePool.read (incl. children)"] = pct
            break
    return {"samples": m.group(1) if m else None,
            "groups_pct": {k: round(v, 1) for k, v in groups.items()},
            "top_self": [{"pct": p, "dso": d, "sym": s} for p, d, s in rows[:top]]}


def strace_digest(path, top=24):
    if not os.path.exists(path):
        return None
    out = []
    for line in open(path):
        mm = re.match(r"\s*([\d.]+)\s+([\d.]+)\s+(\d+)\s+(\d+)\s+(?:(\d+)\s+)?(\w+)$", line)
        if mm and mm.group(6) != "total":
            out.append({"syscall": mm.group(6), "calls": int(mm.group(4)), "seconds": float(mm.group(2))})
    out.sort(key=lambda r: -r["calls"])
    return out[:top]


def attach(kind, pid, out_path):
    if kind == "strace":
        cmd = ["strace", "-c", "-f", "-o", out_path, "-p", str(pid)]
    else:
        cmd = ["perf", "record", "-F", "499", "-g", "-o", out_path, "-p", str(pid)]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    return p


def detach(p):
    p.send_signal(signal.SIGINT)
    p.wait(timeout=60)


def experiment(args, kind, creds, nblocks_note):
    w = args.workdir
    data, man = os.path.join(args.data_root or w, "diag-data-" + kind), os.path.join(w, "diag-man-" + kind)
    out_img = os.path.join(w, "diag-out.img")
    prefix = os.path.join(w, "diag-" + kind)
    srv = c.blocksnap_server(args.binary, data, log_path=prefix + "-server.log")
    if kind == "nofsync":
        srv.cmd = ["eatmydata"] + srv.cmd
    env = c.bench_env(creds)
    r = {}
    try:
        srv.start()
        conn = ["--endpoint", srv.endpoint, "--profile", c.PROFILE]
        for phase in ("upload", "download"):
            if phase == "upload":
                cmd = [args.binary, "upload", args.image, *conn, "--manifest-dir", man]
            else:
                cmd = [args.binary, "download", snap, out_img, *conn]
            tracer = None
            if kind in ("strace", "perf"):
                tracer = attach(kind, srv.pid, "%s-%s-server.%s" % (prefix, phase, "txt" if kind == "strace" else "data"))
                if kind == "strace":
                    cmd = ["strace", "-c", "-f", "-o", "%s-%s-client.txt" % (prefix, phase)] + cmd
                else:
                    cmd = ["perf", "record", "-F", "499", "-g", "-o", "%s-%s-client.data" % (prefix, phase), "--"] + cmd
            cpu0 = srv.cpu_seconds()
            res, stdout, stderr = c.run_timed(cmd, env=env)
            res["server_cpu_s"] = round(srv.cpu_seconds() - cpu0, 2)
            if tracer:
                detach(tracer)
            if phase == "upload":
                snap = stdout.strip().splitlines()[-1]
            res["summary"] = stderr.strip().splitlines()[-1] if stderr.strip() else None
            if kind == "strace":
                res["strace_server"] = strace_digest("%s-%s-server.txt" % (prefix, phase))
                res["strace_client"] = strace_digest("%s-%s-client.txt" % (prefix, phase))
            if kind == "perf":
                res["perf_server"] = perf_digest("%s-%s-server.data" % (prefix, phase))
                res["perf_client"] = perf_digest("%s-%s-client.data" % (prefix, phase))
            r[phase] = res
            c.log("%s %s: %.1f s, server CPU %.1f s, client CPU %.1f s"
                  % (kind, phase, res["wall_s"], res["server_cpu_s"], res["cpu_user_s"] + res["cpu_sys_s"]))
    finally:
        srv.stop()
        c.rmtree(data)
        c.rmtree(man)
        if os.path.exists(out_img):
            os.unlink(out_img)
    return r


def main():
    ap = c.base_args(argparse.ArgumentParser(description=__doc__))
    ap.add_argument("--image", help="default: WORKDIR/base.img")
    ap.add_argument("--only", nargs="*", choices=["plain", "nofsync", "strace", "perf"])
    ap.add_argument("--data-root", help="put the server's data dir here (e.g. a freshly made file system) "
                    "instead of WORKDIR")
    ap.add_argument("--out", default="diagnose", help="results file name (default diagnose)")
    args = ap.parse_args()
    args.image = args.image or c.ensure_image(args.workdir)
    creds = c.write_credentials(os.path.join(args.workdir, "bench-credentials"))
    notes = c.machine_notes(args.workdir, args.binary)
    kinds = args.only or ["plain", "nofsync", "strace", "perf"]
    have = {"nofsync": shutil.which("eatmydata"), "strace": shutil.which("strace"), "perf": shutil.which("perf")}
    results = {}
    for kind in kinds:
        if kind != "plain" and not have[kind]:
            c.log("skipping %s: tool missing" % kind)
            continue
        results[kind] = experiment(args, kind, creds, None)
    notes["fsync_per_s_at_end"] = c.fsync_probe(args.workdir)
    notes["data_root"] = args.data_root or args.workdir
    c.write_results(args.out, {"benchmark": "diagnose", "machine": notes, "experiments": results})
    for kind, r in results.items():
        for phase, res in r.items():
            print("%-8s %-8s %6.1f s  server CPU %5.1f s  client CPU %5.1f s  others %5.1f s"
                  % (kind, phase, res["wall_s"], res["server_cpu_s"], res["cpu_user_s"] + res["cpu_sys_s"],
                     max(0, res["machine_busy_s"] - res["server_cpu_s"] - res["cpu_user_s"] - res["cpu_sys_s"])))
            for side in ("server", "client"):
                pd = res.get("perf_" + side)
                if pd:
                    print("    perf %s (%s samples): %s" % (side, pd["samples"], ", ".join(
                        "%s %.1f%%" % kv for kv in pd["groups_pct"].items())))
                sd = res.get("strace_" + side)
                if sd:
                    print("    strace %s calls: %s" % (side, ", ".join("%s %d" % (x["syscall"], x["calls"]) for x in sd)))


if __name__ == "__main__":
    main()

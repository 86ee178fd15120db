#!/usr/bin/env python3
"""(c) Incremental upload of the 1%-mutated image: blocksnap --parent vs restic.

Per run (tool order alternates):
  blocksnap: fresh data dir + server; `blocksnap upload base.img` (full, timed), then
             `blocksnap upload mut1.img --parent SNAP` (incremental, timed; the parent's
             digests come from the block manifest the first upload saved, as on one machine).
             Blocks sent: the CLI summary ("sent N of M") and, server side,
             ListChangedBlocks(parent, child) — each changed index is one PutSnapshotBlock
             that landed. Both are checked against the image's manifest (mut1.img.json).
  restic:    fresh repository; `restic backup base.img`, then `restic backup mut1.img`
             (restic re-reads and re-chunks the whole file; only new chunks are stored).
Reported: incremental time as a fraction of the same tool's full time in the same run.
"""

import argparse
import json
import os
import re

import common as c


def blocksnap_run(args, base, mut, rep, creds):
    w = args.workdir
    data = os.path.join(w, "bsi-data-%d" % rep)
    manifests = os.path.join(w, "bsi-manifests-%d" % rep)
    c.rmtree(data)
    c.rmtree(manifests)
    env = c.bench_env(creds)
    srv = c.blocksnap_server(args.binary, data, log_path=os.path.join(w, "bsi-server-%d.log" % rep))
    r = {}
    try:
        srv.start()
        conn = ["--endpoint", srv.endpoint, "--profile", c.PROFILE, "--manifest-dir", manifests]
        cpu0 = srv.cpu_seconds()
        full, stdout, stderr = c.run_timed([args.binary, "upload", base, *conn], env=env)
        cpu1 = srv.cpu_seconds()
        parent = stdout.strip().splitlines()[-1]
        full["server_cpu_s"] = round(cpu1 - cpu0, 2)
        c.note_others(full, full["server_cpu_s"])
        full["summary"] = stderr.strip().splitlines()[-1]
        inc, stdout, stderr = c.run_timed([args.binary, "upload", mut, *conn, "--parent", parent], env=env)
        cpu2 = srv.cpu_seconds()
        child = stdout.strip().splitlines()[-1]
        inc["server_cpu_s"] = round(cpu2 - cpu1, 2)
        c.note_others(inc, inc["server_cpu_s"])
        inc["summary"] = stderr.strip().splitlines()[-1]
        m = re.search(r"sent (\d+) of (\d+) blocks", stderr)
        inc["cli_blocks_sent"] = int(m.group(1)) if m else None
        inc["cli_blocks_examined"] = int(m.group(2)) if m else None
        m = re.search(r"parent digests from (\S+)", stderr)
        inc["parent_digests_from"] = m.group(1) if m else None
        ebs = c.ebs_client(srv.endpoint)
        changed, pages = c.list_all(ebs, "list_changed_blocks", "ChangedBlocks", FirstSnapshotId=parent,
                                    SecondSnapshotId=child, MaxResults=10000)
        inc["server_changed_blocks"] = len(changed)
        with open(mut + ".json") as f:
            expected = json.load(f)["changed"]
        inc["image_changed_blocks"] = len(expected)
        inc["server_changed_match_image"] = sorted(b["BlockIndex"] for b in changed) == sorted(expected)
        r["full"], r["incremental"] = full, inc
        r["server_max_rss_mib"] = srv.max_rss_mib()
    finally:
        srv.stop()
        c.rmtree(data)
        c.rmtree(manifests)
    return r


def restic_run(args, base, mut, rep):
    w = args.workdir
    repo = os.path.join(w, "restici-repo-%d" % rep)
    cache = os.path.join(w, "restici-cache-%d" % rep)
    c.rmtree(repo)
    c.rmtree(cache)
    env = dict(os.environ, RESTIC_PASSWORD="x")
    common = ["--repo", repo, "--cache-dir", cache]
    r = {}
    try:
        c.run_timed(["restic", "init", *common], env=env)
        r["full"] = c.note_others(c.run_timed(["restic", "backup", *common, base], env=env)[0])
        inc, stdout, _ = c.run_timed(["restic", "backup", *common, mut], env=env)
        m = re.search(r"Added to the (?:repo|repository): (.*)", stdout)
        inc["added"] = m.group(1).strip() if m else None
        r["incremental"] = c.note_others(inc)
    finally:
        c.rmtree(repo)
        c.rmtree(cache)
    return r


def main():
    ap = c.base_args(argparse.ArgumentParser(description=__doc__))
    args = ap.parse_args()
    base = c.ensure_image(args.workdir)
    mut = c.ensure_image(args.workdir, "mut1.img", mutate_of=base)
    size = os.path.getsize(base)
    creds = c.write_credentials(os.path.join(args.workdir, "bench-credentials"))
    notes = c.machine_notes(args.workdir, args.binary)
    runs = []
    for rep in range(args.runs):
        order = ("blocksnap", "restic") if rep % 2 else ("restic", "blocksnap")
        run = {}
        for tool in order:
            c.log("incremental run %d/%d: %s" % (rep + 1, args.runs, tool))
            run[tool] = (blocksnap_run(args, base, mut, rep, creds) if tool == "blocksnap"
                         else restic_run(args, base, mut, rep))
        for tool in order:
            run[tool]["incremental_fraction"] = round(run[tool]["incremental"]["wall_s"] / run[tool]["full"]["wall_s"], 3)
        bs, rs = run["blocksnap"], run["restic"]
        c.log("  blocksnap full %.1f s, incr %.2f s (%.1f%%, %s blocks) | restic full %.1f s, incr %.1f s (%.0f%%)"
              % (bs["full"]["wall_s"], bs["incremental"]["wall_s"], 100 * bs["incremental_fraction"],
                 bs["incremental"]["server_changed_blocks"], rs["full"]["wall_s"], rs["incremental"]["wall_s"],
                 100 * rs["incremental_fraction"]))
        runs.append(run)

    def med(tool, phase, key="wall_s"):
        return c.median([r[tool][phase][key] for r in runs])

    s = {
        "image_bytes": size,
        "blocksnap_full_s": med("blocksnap", "full"),
        "blocksnap_incremental_s": med("blocksnap", "incremental"),
        "blocksnap_incremental_fraction": c.median([r["blocksnap"]["incremental_fraction"] for r in runs]),
        "blocksnap_blocks_sent_cli": med("blocksnap", "incremental", "cli_blocks_sent"),
        "blocksnap_blocks_changed_server": med("blocksnap", "incremental", "server_changed_blocks"),
        "image_changed_blocks": runs[0]["blocksnap"]["incremental"]["image_changed_blocks"],
        "server_changed_match_image": all(r["blocksnap"]["incremental"]["server_changed_match_image"] for r in runs),
        "parent_digests_from": runs[0]["blocksnap"]["incremental"]["parent_digests_from"],
        "blocksnap_incremental_client_cpu_s": c.median(
            [r["blocksnap"]["incremental"]["cpu_user_s"] + r["blocksnap"]["incremental"]["cpu_sys_s"] for r in runs]),
        "blocksnap_incremental_server_cpu_s": med("blocksnap", "incremental", "server_cpu_s"),
        "restic_full_s": med("restic", "full"),
        "restic_incremental_s": med("restic", "incremental"),
        "restic_incremental_fraction": c.median([r["restic"]["incremental_fraction"] for r in runs]),
        "blocksnap_server_max_rss_mib": max(r["blocksnap"]["server_max_rss_mib"] for r in runs),
    }
    s["blocksnap_incremental_MBps"] = round(size / s["blocksnap_incremental_s"] / c.MB, 1)
    s["restic_incremental_MBps"] = round(size / s["restic_incremental_s"] / c.MB, 1)
    s["incremental_vs_restic_incremental_speedup"] = round(s["restic_incremental_s"] / s["blocksnap_incremental_s"], 2)
    s["target_met"] = s["blocksnap_incremental_fraction"] <= 0.10
    notes["fsync_per_s_at_end"] = c.fsync_probe(args.workdir)
    notes["loadavg_at_end"] = os.getloadavg()
    c.write_results("incremental", {"benchmark": "c_incremental", "runs_n": args.runs, "machine": notes,
                                    "summary": s, "runs": runs})
    c.log("summary:", s)


if __name__ == "__main__":
    main()

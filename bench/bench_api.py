#!/usr/bin/env python3
"""(b) PutSnapshotBlock / GetSnapshotBlock driven by boto3 with 8 threads: blocksnap vs moto_server.

Workload (identical for both servers): BLOCKS distinct non-zero 512 KiB blocks of the standard
image (chosen by a seeded shuffle of its non-zero block indexes, 1024 by default = 512 MiB),
read into memory with their SHA-256 computed before timing. Per run, per server (fresh
process each time, order alternating):
  put:  StartSnapshot(VolumeSize=4), then 8 threads PutSnapshotBlock every block (timed),
        CompleteSnapshot;
  list: ListSnapshotBlocks, all pages (MaxResults 1000), for the block tokens (timed apart);
  get:  8 threads GetSnapshotBlock every listed block, reading each body whole (timed);
        afterwards every body is checked against the block that was put.
Blocks/s = blocks / wall time of the phase. Also: the server's max RSS and CPU seconds, and
this (client) process's CPU seconds per phase, to show which side is the bottleneck.
"""

import argparse
import concurrent.futures as cf
import hashlib
import os
import random
import resource
import sys
import time

import common as c

sys.path.insert(0, c.BENCH_DIR)
import make_image  # noqa: E402  (layout() tells which blocks are non-zero)


def pick_blocks(image, count, seed):
    nblocks = os.path.getsize(image) // c.BLOCK
    manifest_seed = 1
    try:
        import json
        with open(image + ".json") as f:
            manifest_seed = json.load(f)["seed"]
    except (OSError, KeyError, ValueError):
        pass
    types, _ = make_image.layout(manifest_seed, nblocks)
    nonzero = [i for i, t in enumerate(types) if t != make_image.ZERO]
    rng = random.Random(seed)
    chosen = rng.sample(nonzero, count)  # random order of distinct indexes
    blocks = []
    with open(image, "rb") as f:
        for i in chosen:
            data = os.pread(f.fileno(), c.BLOCK, i * c.BLOCK)
            blocks.append((i, data, c.sha256_b64(data)))
    return blocks


def self_cpu():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def phase(n, wall, server_cpu, client_cpu, load):
    return {"wall_s": round(wall, 3), "blocks_per_s": round(n / wall, 1), "server_cpu_s": round(server_cpu, 2),
            "client_cpu_s": round(client_cpu, 2), "others_cpu_s": load.others_s(server_cpu + client_cpu)}


def workload(srv, blocks, threads):
    ebs = c.ebs_client(srv.endpoint, max_pool=threads * 2)
    r = {}
    snap = ebs.start_snapshot(VolumeSize=4, Description="bench")["SnapshotId"]

    def put(b):
        idx, data, ck = b
        ebs.put_snapshot_block(SnapshotId=snap, BlockIndex=idx, BlockData=data, DataLength=c.BLOCK,
                               Checksum=ck, ChecksumAlgorithm="SHA256")

    cpu_s, cpu_c = srv.cpu_seconds(), self_cpu()
    with c.MachineLoad() as load:
        t0 = time.perf_counter()
        with cf.ThreadPoolExecutor(threads) as ex:
            list(ex.map(put, blocks))
        put_s = time.perf_counter() - t0
    r["put"] = phase(len(blocks), put_s, srv.cpu_seconds() - cpu_s, self_cpu() - cpu_c, load)
    ebs.complete_snapshot(SnapshotId=snap, ChangedBlocksCount=len(blocks))

    t0 = time.perf_counter()
    listed, pages = c.list_all(ebs, "list_snapshot_blocks", "Blocks", SnapshotId=snap, MaxResults=1000)
    r["list"] = {"wall_s": round(time.perf_counter() - t0, 3), "pages": pages, "blocks": len(listed)}
    if len(listed) != len(blocks):
        raise RuntimeError("%s listed %d blocks, expected %d" % (srv.name, len(listed), len(blocks)))

    def get(b):
        resp = ebs.get_snapshot_block(SnapshotId=snap, BlockIndex=b["BlockIndex"], BlockToken=b["BlockToken"])
        return b["BlockIndex"], resp["BlockData"].read()

    cpu_s, cpu_c = srv.cpu_seconds(), self_cpu()
    with c.MachineLoad() as load:
        t0 = time.perf_counter()
        with cf.ThreadPoolExecutor(threads) as ex:
            got = dict(ex.map(get, listed))
        get_s = time.perf_counter() - t0
    r["get"] = phase(len(listed), get_s, srv.cpu_seconds() - cpu_s, self_cpu() - cpu_c, load)
    want = {i: d for i, d, _ in blocks}
    bad = [i for i, d in got.items() if hashlib.sha256(d).digest() != hashlib.sha256(want[i]).digest()]
    if bad:
        raise RuntimeError("%s returned wrong bytes for %d blocks" % (srv.name, len(bad)))
    r["server_max_rss_mib"] = srv.max_rss_mib()
    return r


def main():
    ap = c.base_args(argparse.ArgumentParser(description=__doc__))
    ap.add_argument("--blocks", type=int, default=1024, help="distinct blocks per run (default 1024)")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--seed", type=int, default=7, help="which blocks, in which order")
    args = ap.parse_args()
    image = c.ensure_image(args.workdir)
    notes = c.machine_notes(args.workdir, args.binary)
    c.log("reading %d blocks of %s" % (args.blocks, image))
    blocks = pick_blocks(image, args.blocks, args.seed)
    runs = []
    for rep in range(args.runs):
        order = ("moto", "blocksnap") if rep % 2 else ("blocksnap", "moto")
        run = {}
        for name in order:
            c.log("api run %d/%d: %s" % (rep + 1, args.runs, name))
            data = os.path.join(args.workdir, "api-data-%d" % rep)
            c.rmtree(data)
            logp = os.path.join(args.workdir, "api-%s-%d.log" % (name, rep))
            srv = c.blocksnap_server(args.binary, data, log_path=logp) if name == "blocksnap" else c.moto_server(logp)
            try:
                srv.start()
                run[name] = workload(srv, blocks, args.threads)
            finally:
                srv.stop()
                c.rmtree(data)
            c.log("  %s put %.0f blocks/s, get %.0f blocks/s, max RSS %.0f MiB"
                  % (name, run[name]["put"]["blocks_per_s"], run[name]["get"]["blocks_per_s"],
                     run[name]["server_max_rss_mib"]))
        runs.append(run)

    def med(name, ph, key="blocks_per_s"):
        return c.median([r[name][ph][key] for r in runs])

    s = {"blocks": args.blocks, "threads": args.threads}
    for name in ("blocksnap", "moto"):
        for ph in ("put", "get"):
            s["%s_%s_blocks_per_s" % (name, ph)] = med(name, ph)
            s["%s_%s_server_cpu_s" % (name, ph)] = med(name, ph, "server_cpu_s")
            s["%s_%s_client_cpu_s" % (name, ph)] = med(name, ph, "client_cpu_s")
            s["%s_%s_others_cpu_s" % (name, ph)] = med(name, ph, "others_cpu_s")
        s["%s_list_s" % name] = med(name, "list", "wall_s")
        s["%s_server_max_rss_mib" % name] = max(r[name]["server_max_rss_mib"] for r in runs)
    # boto3 runs under the GIL: one core at most. blocks / client CPU seconds is the rate this
    # client could reach against a server costing nothing, on an otherwise idle core.
    for ph in ("put", "get"):
        s["boto3_%s_ceiling_blocks_per_s" % ph] = round(args.blocks / c.median(
            [r[n][ph]["client_cpu_s"] for r in runs for n in ("blocksnap", "moto")]))
    s["put_vs_moto"] = round(s["blocksnap_put_blocks_per_s"] / s["moto_put_blocks_per_s"], 2)
    s["get_vs_moto"] = round(s["blocksnap_get_blocks_per_s"] / s["moto_get_blocks_per_s"], 2)
    s["put_target_met"] = s["put_vs_moto"] >= 2.0
    s["get_target_met"] = s["get_vs_moto"] >= 2.0
    notes["fsync_per_s_at_end"] = c.fsync_probe(args.workdir)
    notes["loadavg_at_end"] = os.getloadavg()
    c.write_results("api", {"benchmark": "b_api_boto3", "runs_n": args.runs, "machine": notes,
                            "summary": s, "runs": runs})
    c.log("summary:", s)


if __name__ == "__main__":
    main()

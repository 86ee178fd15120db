#!/usr/bin/env python3
"""(d, second part) A 65536 GiB sparse volume through boto3 against blocksnap.

Timed as one sequence (per run, on one running server with a fresh data dir):
  StartSnapshot(VolumeSize=65536) -> 10 PutSnapshotBlock at scattered indexes (first, last,
  and 8 spread over 134 217 728 blocks) -> CompleteSnapshot -> ListSnapshotBlocks, all pages
  -> StartSnapshot(ParentSnapshotId) + 1 PutSnapshotBlock + CompleteSnapshot -> ListChangedBlocks
  (parent, child), all pages.
Target: the whole sequence < 1 s. Each step's time is kept, and the listings are checked
(10 blocks; exactly 1 changed block).
"""

import argparse
import os
import time

import common as c

VOLUME_GIB = 65536


def sequence(ebs, blocks_per_gib, payloads):
    nblocks = VOLUME_GIB * blocks_per_gib
    indexes = [0, nblocks - 1] + [(k * 2654435761) % nblocks for k in range(1, 9)]
    steps = {}
    t_all = t = time.perf_counter()

    def lap(name):
        nonlocal t
        now = time.perf_counter()
        steps[name] = round(now - t, 4)
        t = now

    parent = ebs.start_snapshot(VolumeSize=VOLUME_GIB, Description="sparse bench")["SnapshotId"]
    lap("start")
    for n, i in enumerate(indexes):
        data, ck = payloads[n]
        ebs.put_snapshot_block(SnapshotId=parent, BlockIndex=i, BlockData=data, DataLength=c.BLOCK,
                               Checksum=ck, ChecksumAlgorithm="SHA256")
    lap("put_10")
    ebs.complete_snapshot(SnapshotId=parent, ChangedBlocksCount=len(indexes))
    lap("complete")
    listed, pages = c.list_all(ebs, "list_snapshot_blocks", "Blocks", SnapshotId=parent, MaxResults=10000)
    lap("list_all")
    child = ebs.start_snapshot(VolumeSize=VOLUME_GIB, ParentSnapshotId=parent)["SnapshotId"]
    data, ck = payloads[10]
    ebs.put_snapshot_block(SnapshotId=child, BlockIndex=indexes[5], BlockData=data, DataLength=c.BLOCK,
                           Checksum=ck, ChecksumAlgorithm="SHA256")
    ebs.complete_snapshot(SnapshotId=child, ChangedBlocksCount=1)
    lap("child_start_put_complete")
    changed, cpages = c.list_all(ebs, "list_changed_blocks", "ChangedBlocks", FirstSnapshotId=parent,
                                 SecondSnapshotId=child, MaxResults=10000)
    lap("list_changed")
    total = time.perf_counter() - t_all
    if sorted(b["BlockIndex"] for b in listed) != sorted(indexes):
        raise RuntimeError("listed %d blocks, expected the 10 written" % len(listed))
    if [b["BlockIndex"] for b in changed] != [indexes[5]]:
        raise RuntimeError("ListChangedBlocks returned %d blocks, expected 1" % len(changed))
    return {"total_s": round(total, 4), "steps_s": steps, "list_pages": pages, "changed_pages": cpages}


def main():
    ap = c.base_args(argparse.ArgumentParser(description=__doc__))
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    notes = c.machine_notes(args.workdir, args.binary)
    payloads = []
    for n in range(11):
        data = os.urandom(c.BLOCK)
        payloads.append((data, c.sha256_b64(data)))
    data_dir = os.path.join(args.workdir, "sparse-data")
    c.rmtree(data_dir)
    srv = c.blocksnap_server(args.binary, data_dir, log_path=os.path.join(args.workdir, "sparse-server.log"))
    runs = []
    try:
        srv.start()
        ebs = c.ebs_client(srv.endpoint)
        ebs.start_snapshot(VolumeSize=1)  # warm the connection and the server's code paths
        for rep in range(args.runs):
            r = sequence(ebs, 2048, payloads)
            c.log("sparse run %d/%d: %.3f s %s" % (rep + 1, args.runs, r["total_s"], r["steps_s"]))
            runs.append(r)
        rss = srv.max_rss_mib()
    finally:
        srv.stop()
        c.rmtree(data_dir)
    s = {"volume_gib": VOLUME_GIB, "total_s": c.median([r["total_s"] for r in runs]),
         "max_total_s": max(r["total_s"] for r in runs),
         "steps_s": {k: c.median([r["steps_s"][k] for r in runs]) for k in runs[0]["steps_s"]},
         "server_max_rss_mib": rss}
    s["target_met"] = s["total_s"] < 1.0
    c.write_results("sparse", {"benchmark": "d_sparse_65536", "runs_n": args.runs, "machine": notes,
                               "summary": s, "runs": runs})
    c.log("summary:", s)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""(e) EC2 API via boto3 `ec2`: CreateSnapshot and DescribeSnapshots, blocksnap vs moto_server.

Per run, per server (fresh process and, for blocksnap, a fresh data dir; order alternating):
  create:   VOLUMES 1 GiB volumes in us-east-1a are created beforehand (not timed); then
            CREATES sequential `create_snapshot(VolumeId=...)` calls round-robin over them
            (timed one by one: rate, p50, p99). For blocksnap each is a real point-in-time
            snapshot of the volume (state `pending`, then `completed` in the background; the
            time until all are `completed` is recorded apart); moto's are born `completed`
            and hold no data.
  fill:     the catalog is brought to CATALOG snapshots (not timed as a result): blocksnap by
            `copy_snapshot` of one completed snapshot (metadata copies), moto by
            `create_snapshot` — both with FILL_THREADS threads.
  describe: `describe_snapshots(OwnerIds=['self'])` walked by boto3's paginator with
            PageSize 1000, WALKS times (every page timed: requests/s, p50, p99 per page);
            for moto also unpaginated, PLAIN times (moto ignores MaxResults, so its
            paginated walk is one request too). Every walk must return exactly CATALOG snapshots.
Also: server CPU seconds per phase and max RSS (VmHWM), this client's CPU seconds.
"""

import argparse
import concurrent.futures as cf
import os
import resource
import time

import common as c

ZONE = c.REGION + "a"


def ec2_client(endpoint, max_pool=16):
    import boto3
    from botocore.config import Config
    session = boto3.session.Session(aws_access_key_id=c.ACCESS_KEY, aws_secret_access_key=c.SECRET_KEY,
                                    region_name=c.REGION)
    return session.client("ec2", endpoint_url=endpoint,
                          config=Config(max_pool_connections=max_pool,
                                        retries={"max_attempts": 1, "mode": "standard"}))


def self_cpu():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def pct(values, p):
    """Nearest-rank percentile (p in 0..100) of a list of numbers."""
    if not values:
        return None
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(round(p / 100 * len(v) + 0.5)) - 1))
    return v[k]


def lat_summary(lat_s, wall_s):
    return {"n": len(lat_s), "wall_s": round(wall_s, 3), "per_s": round(len(lat_s) / wall_s, 3),
            "p50_ms": round(1000 * pct(lat_s, 50), 2), "p99_ms": round(1000 * pct(lat_s, 99), 2),
            "max_ms": round(1000 * max(lat_s), 2)}


class WireTimer:
    """Per request: seconds from botocore's `before-send` to `before-parse` (request sent,
    whole response body read; boto3's XML parsing excluded). Tells the server + HTTP share of
    a call from the client's parsing (1000 snapshots of XML cost boto3 tens of ms)."""

    def __init__(self, client, op):
        self.times, self._t = [], None
        ev = client.meta.events
        ev.register("before-send.ec2.%s" % op, self._send)
        ev.register("before-parse.ec2.%s" % op, self._parse)

    def _send(self, **kw):
        self._t = time.perf_counter()

    def _parse(self, **kw):
        if self._t is not None:
            self.times.append(time.perf_counter() - self._t)
            self._t = None

    def take(self):
        out, self.times = self.times, []
        return out


def wire_summary(times):
    return {"wire_p50_ms": round(1000 * pct(times, 50), 2), "wire_p99_ms": round(1000 * pct(times, 99), 2)}


def wait_completed(ec2, ids, timeout):
    """Seconds until every snapshot in ids is `completed` (None on timeout)."""
    t0, left = time.perf_counter(), set(ids)
    while left and time.perf_counter() - t0 < timeout:
        batch = sorted(left)[:200]
        for s in ec2.describe_snapshots(SnapshotIds=batch)["Snapshots"]:
            if s["State"] == "completed":
                left.discard(s["SnapshotId"])
            elif s["State"] == "error":
                raise RuntimeError("snapshot %s failed: %s" % (s["SnapshotId"], s.get("StateMessage")))
        if left:
            time.sleep(0.05)
    return None if left else time.perf_counter() - t0


def workload(srv, args):
    ec2 = ec2_client(srv.endpoint, max_pool=args.fill_threads * 2)
    r = {}
    wire_create, wire_desc = WireTimer(ec2, "CreateSnapshot"), WireTimer(ec2, "DescribeSnapshots")
    vols = [ec2.create_volume(AvailabilityZone=ZONE, Size=1, VolumeType="gp3")["VolumeId"]
            for _ in range(args.volumes)]
    for v in vols:  # both servers answer `available` at once; checked, not assumed
        st = ec2.describe_volumes(VolumeIds=[v])["Volumes"][0]["State"]
        if st != "available":
            raise RuntimeError("volume %s is %s" % (v, st))

    # 1. sequential CreateSnapshot
    lat, ids = [], []
    wire_create.take()
    cpu_s, cpu_c = srv.cpu_seconds(), self_cpu()
    with c.MachineLoad() as load:
        t0 = time.perf_counter()
        for i in range(args.creates):
            t = time.perf_counter()
            resp = ec2.create_snapshot(VolumeId=vols[i % len(vols)], Description="bench %d" % i)
            lat.append(time.perf_counter() - t)
            ids.append(resp["SnapshotId"])
        wall = time.perf_counter() - t0
    r["create"] = lat_summary(lat, wall)
    r["create"].update(wire_summary(wire_create.take()))
    sc, cc = srv.cpu_seconds() - cpu_s, self_cpu() - cpu_c
    r["create"].update(server_cpu_s=round(sc, 2), client_cpu_s=round(cc, 2), others_cpu_s=load.others_s(sc + cc),
                       first_state=resp["State"])
    done = wait_completed(ec2, ids, timeout=120)
    r["create"]["all_completed_after_s"] = None if done is None else round(done, 3)

    # 2. fill the catalog to args.catalog snapshots
    need = args.catalog - len(ids)
    t0 = time.perf_counter()
    if srv.name == "blocksnap":
        src = ids[0]

        def one(i):
            return ec2.copy_snapshot(SourceSnapshotId=src, SourceRegion=c.REGION, Description="fill %d" % i)

        how = "copy_snapshot"
    else:
        def one(i):
            return ec2.create_snapshot(VolumeId=vols[i % len(vols)], Description="fill %d" % i)

        how = "create_snapshot"
    with cf.ThreadPoolExecutor(args.fill_threads) as ex:
        list(ex.map(one, range(need)))
    fill_s = time.perf_counter() - t0
    r["fill"] = {"how": how, "threads": args.fill_threads, "count": need, "wall_s": round(fill_s, 2),
                 "per_s": round(need / fill_s, 1)}
    c.log(srv.name, "filled %d snapshots by %s in %.1f s" % (need, how, fill_s))

    # 3. DescribeSnapshots: paginator, PageSize 1000 (and, for blocksnap, a smaller page)
    r["describe_paged"] = walk_pages(srv, ec2, wire_desc, args, 1000)
    if srv.name == "blocksnap" and args.small_page:
        r["describe_paged_small"] = walk_pages(srv, ec2, wire_desc, args, args.small_page)

    # 3b. unpaginated (moto only by default: moto has no paging)
    if args.plain and (srv.name == "moto" or args.plain_blocksnap):
        lat = []
        wire_desc.take()
        cpu_s, cpu_c = srv.cpu_seconds(), self_cpu()
        with c.MachineLoad() as load:
            t0 = time.perf_counter()
            for _ in range(args.plain):
                t = time.perf_counter()
                resp = ec2.describe_snapshots(OwnerIds=["self"])
                lat.append(time.perf_counter() - t)
                if len(resp["Snapshots"]) != args.catalog or resp.get("NextToken"):
                    raise RuntimeError("%s: unpaginated call returned %d snapshots (NextToken %s)"
                                       % (srv.name, len(resp["Snapshots"]), bool(resp.get("NextToken"))))
            wall = time.perf_counter() - t0
        sc, cc = srv.cpu_seconds() - cpu_s, self_cpu() - cpu_c
        r["describe_plain"] = lat_summary(lat, wall)
        r["describe_plain"].update(wire_summary(wire_desc.take()))
        r["describe_plain"].update(server_cpu_s=round(sc, 2), client_cpu_s=round(cc, 2),
                                   others_cpu_s=load.others_s(sc + cc))
    r["max_rss_mib"] = srv.max_rss_mib()
    return r


def walk_pages(srv, ec2, wire_desc, args, page_size):
    """`args.walks` paginator walks of describe_snapshots(OwnerIds=self) with `page_size`:
    every page timed; every walk must return the whole catalog."""
    pag = ec2.get_paginator("describe_snapshots")
    lat, counts, pages_per_walk = [], [], []
    wire_desc.take()
    cpu_s, cpu_c = srv.cpu_seconds(), self_cpu()
    with c.MachineLoad() as load:
        t0 = time.perf_counter()
        for _ in range(args.walks):
            it, n, pages = iter(pag.paginate(OwnerIds=["self"], PaginationConfig={"PageSize": page_size})), 0, 0
            while True:
                t = time.perf_counter()
                try:
                    page = next(it)
                except StopIteration:
                    break
                lat.append(time.perf_counter() - t)
                n += len(page["Snapshots"])
                pages += 1
            counts.append(n)
            pages_per_walk.append(pages)
        wall = time.perf_counter() - t0
    sc, cc = srv.cpu_seconds() - cpu_s, self_cpu() - cpu_c
    out = lat_summary(lat, wall)
    out.update(wire_summary(wire_desc.take()))
    out.update(page_size=page_size, walks=args.walks, pages_per_walk=pages_per_walk[0], snapshots_seen=counts,
               walks_per_s=round(args.walks / wall, 3), server_cpu_s=round(sc, 2),
               client_cpu_s=round(cc, 2), others_cpu_s=load.others_s(sc + cc))
    if any(n != args.catalog for n in counts):
        raise RuntimeError("%s: paginated walk returned %s snapshots, expected %d" % (srv.name, counts, args.catalog))
    return out


def med(runs, server, *path):
    vals = []
    for run in runs:
        x = run.get(server)
        for k in path:
            x = None if x is None else x.get(k)
        if x is not None:
            vals.append(x)
    return c.median(vals)


def summarize(runs, args):
    s = {"creates": args.creates, "volumes": args.volumes, "catalog": args.catalog, "page_size": 1000}
    for srv in ("blocksnap", "moto"):
        s[srv + "_create_per_s"] = med(runs, srv, "create", "per_s")
        s[srv + "_create_p50_ms"] = med(runs, srv, "create", "p50_ms")
        s[srv + "_create_p99_ms"] = med(runs, srv, "create", "p99_ms")
        s[srv + "_create_server_cpu_ms_per_call"] = (
            round(1000 * med(runs, srv, "create", "server_cpu_s") / args.creates, 2))
        s[srv + "_create_all_completed_after_s"] = med(runs, srv, "create", "all_completed_after_s")
        s[srv + "_describe_pages_per_s"] = med(runs, srv, "describe_paged", "per_s")
        s[srv + "_describe_p50_ms"] = med(runs, srv, "describe_paged", "p50_ms")
        s[srv + "_describe_p99_ms"] = med(runs, srv, "describe_paged", "p99_ms")
        s[srv + "_create_wire_p99_ms"] = med(runs, srv, "create", "wire_p99_ms")
        s[srv + "_describe_wire_p50_ms"] = med(runs, srv, "describe_paged", "wire_p50_ms")
        s[srv + "_describe_wire_p99_ms"] = med(runs, srv, "describe_paged", "wire_p99_ms")
        s[srv + "_describe_client_cpu_s"] = med(runs, srv, "describe_paged", "client_cpu_s")
        s[srv + "_describe_pages_per_walk"] = med(runs, srv, "describe_paged", "pages_per_walk")
        s[srv + "_describe_walks_per_s"] = med(runs, srv, "describe_paged", "walks_per_s")
        s[srv + "_describe_server_cpu_s"] = med(runs, srv, "describe_paged", "server_cpu_s")
        s[srv + "_describe_others_cpu_s"] = med(runs, srv, "describe_paged", "others_cpu_s")
        s[srv + "_fill_per_s"] = med(runs, srv, "fill", "per_s")
        s[srv + "_max_rss_mib"] = med(runs, srv, "max_rss_mib")
    for key in ("per_s", "p50_ms", "p99_ms", "wire_p50_ms", "wire_p99_ms", "page_size", "walks_per_s"):
        s["blocksnap_describe_small_" + key] = med(runs, "blocksnap", "describe_paged_small", key)
    s["moto_describe_plain_per_s"] = med(runs, "moto", "describe_plain", "per_s")
    s["moto_describe_plain_p50_ms"] = med(runs, "moto", "describe_plain", "p50_ms")
    s["moto_describe_plain_p99_ms"] = med(runs, "moto", "describe_plain", "p99_ms")
    s["create_vs_moto"] = c.ratio(s["blocksnap_create_per_s"], s["moto_create_per_s"])
    s["create_target_met"] = bool(s["create_vs_moto"] and s["create_vs_moto"] >= 1.0)
    # moto's fastest way to answer "one request" at this catalog size (paged = unpaged: one request)
    moto_req = max(x for x in (s["moto_describe_pages_per_s"], s["moto_describe_plain_per_s"]) if x)
    s["describe_requests_vs_moto"] = c.ratio(s["blocksnap_describe_pages_per_s"], moto_req)
    s["describe_walks_vs_moto"] = c.ratio(s["blocksnap_describe_walks_per_s"], s["moto_describe_walks_per_s"])
    s["describe_rate_target_met"] = bool(s["describe_requests_vs_moto"] and s["describe_requests_vs_moto"] >= 20)
    s["describe_p99_target_met"] = bool(s["blocksnap_describe_p99_ms"] < 20)
    s["describe_wire_p99_target_met"] = bool(s["blocksnap_describe_wire_p99_ms"] < 20)
    # A page of 1000: boto3 alone parses it in >= 150 ms, so its p99 is judged server + HTTP
    # (botocore before-send -> before-parse); the small page is judged as boto3 sees it.
    s["describe_target_met"] = s["describe_rate_target_met"] and s["describe_wire_p99_target_met"]
    if s.get("blocksnap_describe_small_per_s"):
        s["describe_small_requests_vs_moto"] = c.ratio(s["blocksnap_describe_small_per_s"], moto_req)
        s["describe_small_walks_vs_moto"] = c.ratio(
            s["blocksnap_describe_small_walks_per_s"], s["moto_describe_walks_per_s"])
        s["describe_small_target_met"] = bool(
            s["describe_small_requests_vs_moto"] >= 20 and s["blocksnap_describe_small_p99_ms"] < 20)
    for k, v in list(s.items()):
        if isinstance(v, float):
            s[k] = round(v, 3)
    return s


def main():
    ap = c.base_args(argparse.ArgumentParser(description=__doc__))
    ap.add_argument("--creates", type=int, default=300, help="sequential CreateSnapshot calls (default 300)")
    ap.add_argument("--volumes", type=int, default=300, help="volumes created beforehand (default 300)")
    ap.add_argument("--catalog", type=int, default=10_000, help="snapshots in the catalog for DescribeSnapshots")
    ap.add_argument("--fill-threads", type=int, default=4)
    ap.add_argument("--walks", type=int, default=5, help="paginated walks per run (default 5)")
    ap.add_argument("--small-page", type=int, default=50,
                    help="blocksnap also walked with this PageSize (0: not; default 50, the largest page "
                         "boto3 itself parses in well under 20 ms)")
    ap.add_argument("--plain", type=int, default=3, help="unpaginated moto calls per run (default 3)")
    ap.add_argument("--plain-blocksnap", action="store_true", help="also unpaginated calls to blocksnap")
    ap.add_argument("--summarize-only", action="store_true",
                    help="recompute the summary of results/ec2.json from its runs (no servers)")
    args = ap.parse_args()
    if args.summarize_only:
        import json
        with open(os.path.join(c.RESULTS_DIR, "ec2.json")) as f:
            data = json.load(f)
        for run in data["runs"]:  # per_s from n / wall_s (older files rounded it to 0.1)
            for srv in run.values():
                for ph in ("create", "describe_paged", "describe_plain"):
                    if ph in srv:
                        srv[ph]["per_s"] = round(srv[ph]["n"] / srv[ph]["wall_s"], 3)
        first = data["runs"][0]["blocksnap"]
        args.creates, args.catalog = first["create"]["n"], first["describe_paged"]["snapshots_seen"][0]
        args.volumes = data["summary"]["volumes"]
        data["summary"] = summarize(data["runs"], args)
        c.log("summary", data["summary"])
        c.write_results("ec2", data)
        return
    if not os.path.exists(args.binary):
        raise SystemExit("no blocksnap binary at %s" % args.binary)
    os.makedirs(args.workdir, exist_ok=True)
    # moto otherwise preloads ~1 200 AMI snapshots that OwnerIds=['self'] also returns
    os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"
    machine = c.machine_notes(args.workdir, args.binary)
    runs = []
    for i in range(args.runs):
        run = {}
        order = ("blocksnap", "moto") if i % 2 == 0 else ("moto", "blocksnap")
        for name in order:
            data_dir = os.path.join(args.workdir, "ec2-data")
            c.rmtree(data_dir)
            logp = os.path.join(args.workdir, "ec2-%s.log" % name)
            srv = (c.blocksnap_server(args.binary, data_dir, logp) if name == "blocksnap"
                   else c.moto_server(logp))
            with srv:
                c.log("run %d/%d: %s" % (i + 1, args.runs, name))
                run[name] = workload(srv, args)
                c.log(name, {k: run[name][k] for k in ("create", "describe_paged")})
            c.rmtree(data_dir)
        runs.append(run)
    machine["fsync_per_s_at_end"] = c.fsync_probe(args.workdir)
    summary = summarize(runs, args)
    c.log("summary", summary)
    c.write_results("ec2", {"runs_n": args.runs, "machine": machine, "summary": summary, "runs": runs})


if __name__ == "__main__":
    main()

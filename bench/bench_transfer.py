#!/usr/bin/env python3
"""(a) Full upload / download of the standard 4 GiB image: blocksnap vs restic.

Per run (the order of the two tools alternates between runs):
  blocksnap: fresh data dir + `blocksnap serve`, then `blocksnap upload base.img` and
             `blocksnap download SNAP out.img` (both with --concurrency default 8);
  restic:    fresh local repository (`restic init`, default compression), then
             `restic backup base.img` and `restic restore latest --target DIR`.
Logical throughput = image bytes (4 GiB) / wall time of the command. Also recorded: the
server's max RSS (VmHWM) and CPU seconds per phase, the client's CPU and max RSS, the size
on disk of the data dir / repository. The first run's download is compared with `cmp`.
"""

import argparse
import os
import re
import subprocess

import common as c


def blocksnap_run(args, image, rep, creds):
    w = args.workdir
    data = os.path.join(w, "bs-data-%d" % rep)
    manifests = os.path.join(w, "bs-manifests-%d" % rep)
    out_img = os.path.join(w, "bs-restored-%d.img" % rep)
    for p in (data, manifests, out_img):
        c.rmtree(p) if os.path.isdir(p) else (os.path.exists(p) and os.unlink(p))
    env = c.bench_env(creds)
    srv = c.blocksnap_server(args.binary, data, log_path=os.path.join(w, "bs-server-%d.log" % rep))
    r = {}
    try:
        srv.start()
        conn = ["--endpoint", srv.endpoint, "--profile", c.PROFILE]
        cpu0 = srv.cpu_seconds()
        up, stdout, stderr = c.run_timed([args.binary, "upload", image, *conn, "--manifest-dir", manifests], env=env)
        cpu1 = srv.cpu_seconds()
        snap = stdout.strip().splitlines()[-1]
        m = re.search(r"sent (\d+) of (\d+) blocks", stderr)
        up["blocks_sent"] = int(m.group(1)) if m else None
        up["server_cpu_s"] = round(cpu1 - cpu0, 2)
        c.note_others(up, up["server_cpu_s"])
        up["server_max_rss_mib"] = srv.max_rss_mib()
        up["summary"] = stderr.strip().splitlines()[-1] if stderr.strip() else None
        r["upload"] = up
        r["data_dir_bytes"] = c.du_bytes(data)

        down, _, stderr = c.run_timed([args.binary, "download", snap, out_img, *conn], env=env)
        cpu2 = srv.cpu_seconds()
        down["server_cpu_s"] = round(cpu2 - cpu1, 2)
        c.note_others(down, down["server_cpu_s"])
        down["server_max_rss_mib"] = srv.max_rss_mib()
        down["summary"] = stderr.strip().splitlines()[-1] if stderr.strip() else None
        r["download"] = down
        r["server_max_rss_mib"] = srv.max_rss_mib()
        if rep == 0 and not args.no_verify:
            # the download is VolumeSize GiB long: compare the image's length
            same = subprocess.run(["cmp", "-s", "-n", str(os.path.getsize(image)), image, out_img]).returncode == 0
            r["download_cmp_equal"] = same
            if not same:
                raise RuntimeError("downloaded image differs from %s" % image)
    finally:
        srv.stop()
        c.rmtree(data)
        c.rmtree(manifests)
        if os.path.exists(out_img):
            os.unlink(out_img)
    return r


def restic_run(args, image, rep):
    w = args.workdir
    repo = os.path.join(w, "restic-repo-%d" % rep)
    cache = os.path.join(w, "restic-cache-%d" % rep)
    target = os.path.join(w, "restic-restore-%d" % rep)
    for p in (repo, cache, target):
        c.rmtree(p)
    env = dict(os.environ, RESTIC_PASSWORD="x")
    common = ["--repo", repo, "--cache-dir", cache]
    r = {}
    try:
        c.run_timed(["restic", "init", *common], env=env)
        bk, stdout, _ = c.run_timed(["restic", "backup", *common, image], env=env)
        m = re.search(r"Added to the (?:repo|repository): (.*)", stdout)
        bk["added"] = m.group(1).strip() if m else None
        r["backup"] = c.note_others(bk)
        r["repo_bytes"] = c.du_bytes(repo)
        rs, _, _ = c.run_timed(["restic", "restore", "latest", *common, "--target", target], env=env)
        r["restore"] = c.note_others(rs)
    finally:
        c.rmtree(repo)
        c.rmtree(cache)
        c.rmtree(target)
    return r


def main():
    ap = c.base_args(argparse.ArgumentParser(description=__doc__))
    ap.add_argument("--no-verify", action="store_true", help="skip the cmp of the first download")
    args = ap.parse_args()
    image = c.ensure_image(args.workdir)
    size = os.path.getsize(image)
    creds = c.write_credentials(os.path.join(args.workdir, "bench-credentials"))
    notes = c.machine_notes(args.workdir, args.binary)
    runs = []
    for rep in range(args.runs):
        order = ("blocksnap", "restic") if rep % 2 else ("restic", "blocksnap")
        run = {}
        for tool in order:
            c.log("transfer run %d/%d: %s" % (rep + 1, args.runs, tool))
            run[tool] = blocksnap_run(args, image, rep, creds) if tool == "blocksnap" else restic_run(args, image, rep)
        bs, rs = run["blocksnap"], run["restic"]
        c.log("  blocksnap upload %.1f s, download %.1f s | restic backup %.1f s, restore %.1f s | server RSS %.0f MiB"
              % (bs["upload"]["wall_s"], bs["download"]["wall_s"], rs["backup"]["wall_s"], rs["restore"]["wall_s"],
                 bs["server_max_rss_mib"]))
        runs.append(run)

    def med(tool, phase, key="wall_s"):
        return c.median([r[tool][phase][key] for r in runs])

    def mbps(seconds):
        return round(size / seconds / c.MB, 1)

    s = {
        "image_bytes": size,
        "blocksnap_upload_s": med("blocksnap", "upload"),
        "blocksnap_download_s": med("blocksnap", "download"),
        "restic_backup_s": med("restic", "backup"),
        "restic_restore_s": med("restic", "restore"),
    }
    s["blocksnap_upload_MBps"] = mbps(s["blocksnap_upload_s"])
    s["blocksnap_download_MBps"] = mbps(s["blocksnap_download_s"])
    s["restic_backup_MBps"] = mbps(s["restic_backup_s"])
    s["restic_restore_MBps"] = mbps(s["restic_restore_s"])
    s["upload_vs_restic_backup"] = round(s["blocksnap_upload_MBps"] / s["restic_backup_MBps"], 2)
    s["download_vs_restic_restore"] = round(s["blocksnap_download_MBps"] / s["restic_restore_MBps"], 2)
    s["upload_target_met"] = s["upload_vs_restic_backup"] >= 1.5
    s["download_target_met"] = s["download_vs_restic_restore"] >= 1.0
    s["blocksnap_server_max_rss_mib"] = max(r["blocksnap"]["server_max_rss_mib"] for r in runs)
    s["blocksnap_upload_server_cpu_s"] = med("blocksnap", "upload", "server_cpu_s")
    s["blocksnap_upload_client_cpu_s"] = c.median(
        [r["blocksnap"]["upload"]["cpu_user_s"] + r["blocksnap"]["upload"]["cpu_sys_s"] for r in runs])
    s["blocksnap_download_server_cpu_s"] = med("blocksnap", "download", "server_cpu_s")
    s["blocksnap_download_client_cpu_s"] = c.median(
        [r["blocksnap"]["download"]["cpu_user_s"] + r["blocksnap"]["download"]["cpu_sys_s"] for r in runs])
    s["restic_backup_cpu_s"] = c.median([r["restic"]["backup"]["cpu_user_s"] + r["restic"]["backup"]["cpu_sys_s"] for r in runs])
    s["restic_restore_cpu_s"] = c.median([r["restic"]["restore"]["cpu_user_s"] + r["restic"]["restore"]["cpu_sys_s"] for r in runs])
    for tool, phase in (("blocksnap", "upload"), ("blocksnap", "download"), ("restic", "backup"), ("restic", "restore")):
        s["%s_%s_others_cpu_s" % (tool, phase)] = med(tool, phase, "others_cpu_s")
    s["blocks_sent"] = runs[0]["blocksnap"]["upload"]["blocks_sent"]
    if s["blocks_sent"]:
        s["server_cpu_ms_per_block_upload"] = round(1000 * s["blocksnap_upload_server_cpu_s"] / s["blocks_sent"], 2)
        s["server_cpu_ms_per_block_download"] = round(1000 * s["blocksnap_download_server_cpu_s"] / s["blocks_sent"], 2)
    s["blocksnap_data_dir_MiB"] = round(c.median([r["blocksnap"]["data_dir_bytes"] for r in runs]) / c.MIB)
    s["restic_repo_MiB"] = round(c.median([r["restic"]["repo_bytes"] for r in runs]) / c.MIB)
    notes["fsync_per_s_at_end"] = c.fsync_probe(args.workdir)
    notes["loadavg_at_end"] = os.getloadavg()
    c.write_results("transfer", {"benchmark": "a_transfer", "runs_n": args.runs, "machine": notes,
                                 "summary": s, "runs": runs})
    c.log("summary:", s)


if __name__ == "__main__":
    main()

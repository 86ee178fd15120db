#!/usr/bin/env python3
"""Turns bench/results/*.json into the markdown results table (stdout, and with
--update-readme between the `results:begin` / `results:end` markers of bench/README.md)."""

import argparse
import json
import os
import re

import common as c


def load(name):
    path = os.path.join(c.RESULTS_DIR, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def yes(ok):
    return "yes" if ok else "**no**"


def fmt(v, spec="%.1f"):
    return "n/a" if v is None else spec % v


def table():
    a, b, cc, d = load("transfer"), load("api"), load("incremental"), load("sparse")
    rows = ["| benchmark | blocksnap | peer (same run) | ratio | target | met |", "|---|---|---|---|---|---|"]
    if a:
        s = a["summary"]
        rows.append("| (a) full upload of the 4 GiB image, logical MB/s | %s (%.1f s) | restic backup %s (%.1f s) | %.2f× | ≥ 1.5× | %s |"
                    % (fmt(s["blocksnap_upload_MBps"]), s["blocksnap_upload_s"], fmt(s["restic_backup_MBps"]),
                       s["restic_backup_s"], s["upload_vs_restic_backup"], yes(s["upload_target_met"])))
        rows.append("| (a) full download, logical MB/s | %s (%.1f s) | restic restore %s (%.1f s) | %.2f× | ≥ 1.0× | %s |"
                    % (fmt(s["blocksnap_download_MBps"]), s["blocksnap_download_s"], fmt(s["restic_restore_MBps"]),
                       s["restic_restore_s"], s["download_vs_restic_restore"], yes(s["download_target_met"])))
    if b:
        s = b["summary"]
        rows.append("| (b) PutSnapshotBlock, boto3 %d threads, blocks/s | %s | moto_server %s | %.2f× | ≥ 2× | %s |"
                    % (s["threads"], fmt(s["blocksnap_put_blocks_per_s"], "%.0f"), fmt(s["moto_put_blocks_per_s"], "%.0f"),
                       s["put_vs_moto"], yes(s["put_target_met"])))
        rows.append("| (b) GetSnapshotBlock, boto3 %d threads, blocks/s | %s | moto_server %s | %.2f× | ≥ 2× | %s |"
                    % (s["threads"], fmt(s["blocksnap_get_blocks_per_s"], "%.0f"), fmt(s["moto_get_blocks_per_s"], "%.0f"),
                       s["get_vs_moto"], yes(s["get_target_met"])))
    if cc:
        s = cc["summary"]
        rows.append("| (c) incremental upload of the 1%%-mutated image (`--parent`), time as %% of the full upload | %.1f%% (%.2f s vs %.1f s) | restic %.0f%% (%.1f s vs %.1f s) | %.1f× faster than restic's incremental | ≤ 10%% | %s |"
                    % (100 * s["blocksnap_incremental_fraction"], s["blocksnap_incremental_s"], s["blocksnap_full_s"],
                       100 * s["restic_incremental_fraction"], s["restic_incremental_s"], s["restic_full_s"],
                       s["incremental_vs_restic_incremental_speedup"], yes(s["target_met"])))
        rows.append("| (c) blocks sent: CLI summary / server ListChangedBlocks / changed in the image | %s / %s / %s | | | = changed | %s |"
                    % (fmt(s["blocksnap_blocks_sent_cli"], "%d"), fmt(s["blocksnap_blocks_changed_server"], "%d"),
                       s["image_changed_blocks"],
                       yes(s["server_changed_match_image"] and s["blocksnap_blocks_sent_cli"] == s["image_changed_blocks"])))
    rss = [x["summary"]["blocksnap_server_max_rss_mib"] for x in (a, cc) if x]
    if rss:
        moto = b["summary"]["moto_server_max_rss_mib"] if b else None
        bsb = b["summary"]["blocksnap_server_max_rss_mib"] if b else None
        rows.append("| (d) server max RSS (VmHWM) during (a) and (c), MiB | %.0f (in (b): %s) | moto_server in (b): %s | | < 300 MiB | %s |"
                    % (max(rss), fmt(bsb, "%.0f"), fmt(moto, "%.0f"), yes(max(rss) < 300 and (bsb or 0) < 300)))
    if d:
        s = d["summary"]
        rows.append("| (d) 65536 GiB volume: start → 10 blocks → complete → list → child + 1 block → diff | %.3f s (worst %.3f s) | | | < 1 s | %s |"
                    % (s["total_s"], s["max_total_s"], yes(s["target_met"])))
    rows += ec2_rows()
    rows += nbd_rows()
    return "\n".join(rows)


def ec2_rows():
    e = load("ec2")
    if not e:
        return []
    s = e["summary"]
    return [
        "| (e) CreateSnapshot, sequential boto3 `ec2` (%d calls over %d volumes), calls/s; p50 / p99 ms | %s; %.1f / %.1f (real point-in-time snapshots) | moto_server %s; %.1f / %.1f (born completed, no data) | %.2f× | ≥ 1× | %s |"
        % (s["creates"], s["volumes"], fmt(s["blocksnap_create_per_s"], "%.0f"), s["blocksnap_create_p50_ms"],
           s["blocksnap_create_p99_ms"], fmt(s["moto_create_per_s"], "%.0f"), s["moto_create_p50_ms"],
           s["moto_create_p99_ms"], s["create_vs_moto"], yes(s["create_target_met"])),
        "| (e) DescribeSnapshots(OwnerIds=self), %d snapshots, boto3 paginator PageSize 1000: requests/s; p50 / p99 ms per page (of it server + HTTP, before boto3 parses) | %s; %.1f / %.1f (%.1f / %.1f) | moto_server (no paging: 1 request = all %d) paginator %s, unpaginated %s; %.0f / %.0f (%.0f / %.0f), unpaginated %.0f / %.0f | %.1f× requests/s (vs moto's paginator: %.1f×), %.1f× per full listing | ≥ 20×, p99 < 20 ms server + HTTP (boto3 alone parses a 1000-item page in ≥ 150 ms) | %s |"
        % (s["catalog"], fmt(s["blocksnap_describe_pages_per_s"]), s["blocksnap_describe_p50_ms"],
           s["blocksnap_describe_p99_ms"], s["blocksnap_describe_wire_p50_ms"], s["blocksnap_describe_wire_p99_ms"],
           s["catalog"], fmt(s["moto_describe_pages_per_s"], "%.2f"), fmt(s.get("moto_describe_plain_per_s"), "%.2f"),
           s["moto_describe_p50_ms"], s["moto_describe_p99_ms"], s["moto_describe_wire_p50_ms"],
           s["moto_describe_wire_p99_ms"], s.get("moto_describe_plain_p50_ms") or 0, s.get("moto_describe_plain_p99_ms") or 0,
           s["describe_requests_vs_moto"],
           c.ratio(s["blocksnap_describe_pages_per_s"], s["moto_describe_pages_per_s"]) or 0,
           s["describe_walks_vs_moto"], yes(s["describe_target_met"])),
    ] + ([
        "| (e) the same walks with PageSize %d (blocksnap; moto has no paging): requests/s; p50 / p99 ms per page as boto3 sees it (server + HTTP) | %s; %.1f / %.1f (%.1f / %.1f) | moto_server as above | %.1f× requests/s, %.1f× per full listing | ≥ 20×, p99 < 20 ms as boto3 sees it | %s |"
        % (s["blocksnap_describe_small_page_size"], fmt(s["blocksnap_describe_small_per_s"]),
           s["blocksnap_describe_small_p50_ms"], s["blocksnap_describe_small_p99_ms"],
           s["blocksnap_describe_small_wire_p50_ms"], s["blocksnap_describe_small_wire_p99_ms"],
           s["describe_small_requests_vs_moto"], s["describe_small_walks_vs_moto"],
           yes(s["describe_small_target_met"])),
    ] if s.get("blocksnap_describe_small_per_s") else [])


def pct(x):
    return "n/a" if x is None else "%.0f%%" % (100 * x)


def nbd_rows():
    n = load("nbd")
    if not n:
        return []
    s, rows = n["summary"], []
    if "write_vs_nbdkit" in s:
        gib = s["copy_image_gib"]
        rows.append("| (f1) NBD sequential write: `nbdcopy` of the %g GiB image into a fresh export, MB/s | %.0f (%.1f s) | `nbdkit file` %.0f (%.1f s) | %s | ≥ 80%% | %s |"
                    % (gib, s["blocksnap_write_MBps"], s["blocksnap_write_s"], s["nbdkit_write_MBps"], s["nbdkit_write_s"],
                       pct(s["write_vs_nbdkit"]), yes(s["write_target_met"])))
        rows.append("| (f1) NBD sequential read: `nbdcopy` export → `null:`, MB/s | %.0f (%.1f s) | `nbdkit file` %.0f (%.1f s) | %s | ≥ 80%% | %s |"
                    % (s["blocksnap_read_MBps"], s["blocksnap_read_s"], s["nbdkit_read_MBps"], s["nbdkit_read_s"],
                       pct(s["read_vs_nbdkit"]), yes(s["read_target_met"])))
        rows.append("| (f2) NBD 4 KiB random writes, 16 in flight (fio nbd engine, %g GiB export), IOPS; p99 ms | %.0f; %.1f | `nbdkit file` %.0f; %.1f | %s | ≥ 70%% | %s |"
                    % (gib, s["blocksnap_rand_iops"], s["blocksnap_rand_p99_ms"], s["nbdkit_rand_iops"], s["nbdkit_rand_p99_ms"],
                       pct(s["rand_vs_nbdkit"]), yes(s["rand_target_met"])))
    if "cow_seq_ratio" in s:
        rows.append("| (f3) writer's throughput while a CreateSnapshot of its %d GiB volume is pending, as %% of without (fio nbd, %g s each): sequential 1 MiB × 8 in flight; 4 KiB random × 16 | %s (%.0f → %.0f MB/s); %s (%.0f → %.0f IOPS) | same writer, no snapshot | | ≥ 60%% | %s; %s |"
                    % (s["cow_volume_gib"], s["cow_writer_seconds"], pct(s["cow_seq_ratio"]), s["cow_seq_baseline_MBps"],
                       s["cow_seq_during_MBps"], pct(s["cow_rand_ratio"]), s["cow_rand_baseline_iops"], s["cow_rand_during_iops"],
                       yes(s["cow_seq_target_met"]), yes(s["cow_rand_target_met"])))
    if "incr_s" in s:
        rows.append("| (f4) incremental snapshot of a %d GiB volume after %d of its %d blocks (1%%) were rewritten, time as %% of a full snapshot of all %d GiB (S1's time per block × %d) | %.2f%% (%.2f s vs ~%.0f s; vs S1 of %d written blocks, %.1f s: %.0f%%) | | | ≤ 2%% | %s |"
                    % (s["incr_volume_gib"], s["incr_changed_blocks"], s["incr_volume_gib"] * 2048, s["incr_volume_gib"],
                       s["incr_volume_gib"] * 2048, 100 * s["incr_vs_full_64g_est"], s["incr_s"], s["incr_full_64g_est_s"],
                       s["incr_written_blocks"], s["incr_full_s"], 100 * s["incr_vs_full_measured"], yes(s["incr_target_met"])))
        ok = 0.9 <= s["incr_read_vs_changed"] <= 1.1 and s["incr_list_changed_all_match"]
        rows.append("| (f4) bytes the server read for the incremental snapshot (`rchar`; from disk `read_bytes`) vs the rewritten bytes; ListChangedBlocks | %.0f MB (%.0f MB) vs %.0f MB: %.2f×; %s | | | ≈ changed, not the volume | %s |"
                    % (s["incr_rchar"] / c.MB, s["incr_read_bytes"] / c.MB, s["incr_changed_bytes"] / c.MB,
                       s["incr_read_vs_changed"], "lists exactly the rewritten blocks" if s["incr_list_changed_all_match"] else "MISMATCH", yes(ok)))
        rows.append("| (f5) server max RSS (VmHWM) during (f4), MiB | %.0f | | | < 300 MiB | %s |"
                    % (s["incr_max_rss_mib"], yes(s["incr_rss_target_met"])))
    return rows


def nbd_details():
    n = load("nbd")
    if not n:
        return []
    s, out = n["summary"], []
    if "write_vs_nbdkit" in s:
        out.append("| (f1) CPU seconds, server / `nbdcopy`: write blocksnap / nbdkit, read blocksnap / nbdkit | %.1f / %.1f, %.1f / %.1f; %.1f / %.1f, %.1f / %.1f |"
                   % (s["blocksnap_write_server_cpu_s"], s["blocksnap_write_client_cpu_s"], s["nbdkit_write_server_cpu_s"],
                      s["nbdkit_write_client_cpu_s"], s["blocksnap_read_server_cpu_s"], s["blocksnap_read_client_cpu_s"],
                      s["nbdkit_read_server_cpu_s"], s["nbdkit_read_client_cpu_s"]))
        out.append("| (f1) CPU seconds used by the rest of the machine meanwhile: write blocksnap / nbdkit, read blocksnap / nbdkit; read-back SHA-256 = image | %.1f / %.1f, %.1f / %.1f; %s |"
                   % (s["blocksnap_write_others_cpu_s"], s["nbdkit_write_others_cpu_s"], s["blocksnap_read_others_cpu_s"],
                      s["nbdkit_read_others_cpu_s"], "yes" if s["read_back_verified"] else "**no**"))
        out.append("| (f2) server CPU seconds per run, blocksnap / nbdkit; CPU seconds used by the rest of the machine meanwhile | %.1f / %.1f; %.1f / %.1f |"
                   % (s["blocksnap_rand_server_cpu_s"], s["nbdkit_rand_server_cpu_s"], s["blocksnap_rand_others_cpu_s"],
                      s["nbdkit_rand_others_cpu_s"]))
    if "cow_seq_ratio" in s:
        out.append("| (f3) snapshot pending time (all %d GiB changed), sequential / random writer; least share of the writer's time it was pending | %.1f s / %.1f s; %s / %s |"
                   % (s["cow_volume_gib"], s["cow_seq_snapshot_s"], s["cow_rand_snapshot_s"], pct(s["cow_seq_min_covered"]),
                      pct(s["cow_rand_min_covered"])))
        if "cow_seq_other_volume_ratio" in s:
            out.append("| (f3) the same writers while a snapshot of *another* %d GiB volume is pending (capture competing for the CPU and disk, no copy-before-write), %% of without: sequential / random | %s / %s |"
                       % (s["cow_volume_gib"], pct(s["cow_seq_other_volume_ratio"]), pct(s["cow_rand_other_volume_ratio"])))
    if "incr_s" in s:
        out.append("| (f4) full snapshot S1 of %d written blocks: s, ms per block; server read (from disk) / wrote (to disk) MB; CPU s | %.1f, %.2f; %.0f (%.0f) / %.0f (%.0f); %.1f |"
                   % (s["incr_written_blocks"], s["incr_full_s"], s["incr_full_ms_per_block"], s["full_rchar"] / c.MB,
                      s["full_read_bytes"] / c.MB, s["full_wchar"] / c.MB, s["full_write_bytes"] / c.MB, s["full_server_cpu_s"]))
        out.append("| (f4) incremental (median of %d): s (worst), ms per rewritten block; server wrote (to disk) MB; CPU s; page cache dropped first | %.2f (%.2f), %.2f; %.0f (%.0f); %.1f; %s |"
                   % (n["config"]["incrementals"], s["incr_s"], s["incr_max_s"], 1000 * s["incr_s"] / s["incr_changed_blocks"],
                      s["incr_wchar"] / c.MB, s["incr_write_bytes"] / c.MB, s["incr_server_cpu_s"],
                      "yes" if s["incr_cold_cache"] else "no"))
    w = s.get("server_log_warnings") or {}
    stops = s.get("server_stops") or {}
    out.append("| (f) blocksnap log lines at warning or worse, f1+f2 / f3 / f4%s | %s%s |"
               % ("; its exit status after SIGTERM" if stops else "",
                  " / ".join(str(w.get(k, "n/a")) for k in ("copy", "cow", "incr")),
                  "; " + " / ".join("%s (%.1f s)" % (v["exit_code"], v["seconds"]) for v in stops.values()) if stops else ""))
    return out


def details():
    a, b, cc, d = load("transfer"), load("api"), load("incremental"), load("sparse")
    out = ["| where the time goes (medians) | |", "|---|---|"]
    if a:
        s = a["summary"]
        out.append("| (a) upload: CPU seconds, server / client / restic backup | %.1f / %.1f / %.1f |"
                   % (s["blocksnap_upload_server_cpu_s"], s["blocksnap_upload_client_cpu_s"], s["restic_backup_cpu_s"]))
        up_cpu = s["blocksnap_upload_server_cpu_s"] + s["blocksnap_upload_client_cpu_s"]
        down_cpu = s["blocksnap_download_server_cpu_s"] + s["blocksnap_download_client_cpu_s"]
        gb = s["image_bytes"] / 1e9
        out.append("| (a) CPU-bound ceiling on 2 idle cores (image bytes / (CPU s / 2)): upload vs restic backup, download vs restic restore | %.0f vs %.0f MB/s (%.2f×), %.0f vs %.0f MB/s (%.2f×) |"
                   % (gb * 1000 / (up_cpu / 2), gb * 1000 / (s["restic_backup_cpu_s"] / 2), s["restic_backup_cpu_s"] / up_cpu,
                      gb * 1000 / (down_cpu / 2), gb * 1000 / (s["restic_restore_cpu_s"] / 2), s["restic_restore_cpu_s"] / down_cpu))
        if s.get("server_cpu_ms_per_block_upload"):
            out.append("| (a) server CPU per non-zero block (%d blocks): upload / download | %.2f ms / %.2f ms |"
                       % (s["blocks_sent"], s["server_cpu_ms_per_block_upload"], s["server_cpu_ms_per_block_download"]))
        out.append("| (a) download: CPU seconds, server / client / restic restore | %.1f / %.1f / %.1f |"
                   % (s["blocksnap_download_server_cpu_s"], s["blocksnap_download_client_cpu_s"], s["restic_restore_cpu_s"]))
        if "blocksnap_upload_others_cpu_s" in s:
            out.append("| (a) CPU seconds used by the rest of the machine meanwhile (other users' builds): upload / download / backup / restore | %.1f / %.1f / %.1f / %.1f |"
                       % (s["blocksnap_upload_others_cpu_s"], s["blocksnap_download_others_cpu_s"],
                          s["restic_backup_others_cpu_s"], s["restic_restore_others_cpu_s"]))
        out.append("| (a) stored size: blocksnap data dir / restic repository | %d MiB / %d MiB |"
                   % (s["blocksnap_data_dir_MiB"], s["restic_repo_MiB"]))
    if b:
        s = b["summary"]
        out.append("| (b) put: CPU seconds, blocksnap server / moto / boto3 client (blocksnap run, moto run) | %.1f / %.1f / %.1f, %.1f |"
                   % (s["blocksnap_put_server_cpu_s"], s["moto_put_server_cpu_s"], s["blocksnap_put_client_cpu_s"],
                      s["moto_put_client_cpu_s"]))
        out.append("| (b) get: CPU seconds, blocksnap server / moto / boto3 client (blocksnap run, moto run) | %.1f / %.1f / %.1f, %.1f |"
                   % (s["blocksnap_get_server_cpu_s"], s["moto_get_server_cpu_s"], s["blocksnap_get_client_cpu_s"],
                      s["moto_get_client_cpu_s"]))
        if "boto3_put_ceiling_blocks_per_s" in s:
            out.append("| (b) boto3 client ceiling (blocks / client CPU s; the GIL holds it to one core): put / get | %d / %d blocks/s |"
                       % (s["boto3_put_ceiling_blocks_per_s"], s["boto3_get_ceiling_blocks_per_s"]))
        if "blocksnap_put_others_cpu_s" in s:
            out.append("| (b) CPU seconds used by the rest of the machine meanwhile: put blocksnap / moto, get blocksnap / moto | %.1f / %.1f, %.1f / %.1f |"
                       % (s["blocksnap_put_others_cpu_s"], s["moto_put_others_cpu_s"], s["blocksnap_get_others_cpu_s"],
                          s["moto_get_others_cpu_s"]))
    if cc:
        s = cc["summary"]
        out.append("| (c) incremental: CPU seconds, client / server; parent digests from | %.1f / %.1f; %s |"
                   % (s["blocksnap_incremental_client_cpu_s"], s["blocksnap_incremental_server_cpu_s"], s["parent_digests_from"]))
    if d:
        out.append("| (d) sparse steps, s | %s |" % ", ".join("%s %.3f" % kv for kv in d["summary"]["steps_s"].items()))
    e = load("ec2")
    if e:
        s = e["summary"]
        out.append("| (e) CreateSnapshot: server CPU ms per call, blocksnap / moto; blocksnap's %d snapshots all `completed` after | %.2f / %.2f; %s s |"
                   % (s["creates"], s["blocksnap_create_server_cpu_ms_per_call"], s["moto_create_server_cpu_ms_per_call"],
                      fmt(s["blocksnap_create_all_completed_after_s"], "%.3f")))
        out.append("| (e) DescribeSnapshots walks: pages per walk, blocksnap / moto; CPU seconds server / boto3 client / rest of machine, blocksnap / moto | %d / %d; %.2f / %.2f / %.2f, %.2f / %.2f / %.2f |"
                   % (s["blocksnap_describe_pages_per_walk"], s["moto_describe_pages_per_walk"],
                      s["blocksnap_describe_server_cpu_s"], s["blocksnap_describe_client_cpu_s"], s["blocksnap_describe_others_cpu_s"],
                      s["moto_describe_server_cpu_s"], s["moto_describe_client_cpu_s"], s["moto_describe_others_cpu_s"]))
        out.append("| (e) filling the catalog, snapshots/s: blocksnap CopySnapshot / moto CreateSnapshot; max RSS MiB blocksnap / moto | %.0f / %.0f; %.0f / %.0f |"
                   % (s["blocksnap_fill_per_s"], s["moto_fill_per_s"], s["blocksnap_max_rss_mib"], s["moto_max_rss_mib"]))
    out += nbd_details()
    return "\n".join(out)


def machine():
    for name in ("transfer", "api", "incremental", "sparse"):
        x = load(name)
        if x:
            m = x["machine"]
            fs_rates = []
            for n in ("transfer", "api", "incremental", "sparse"):
                y = load(n)
                if y:
                    fs_rates += [y["machine"].get("fsync_per_s_at_start"), y["machine"].get("fsync_per_s_at_end")]
            fs_rates = [r for r in fs_rates if r]
            return ("Machine: %s, %s × %s, %.0f GiB RAM, kernel %s, work dir on %s; %s; python %s, boto3 %s, moto %s; "
                    "blocksnap %s (release build). Disk 4 KiB write+fsync rounds/s during the run: %s. "
                    "N = %d runs, %s."
                    % (m["host"], m["nproc"], m["cpu"], m["mem_gib"], m["kernel"], m["workdir_fs"], m["restic"],
                       m["python"], m.get("boto3"), m.get("moto"), m.get("blocksnap_source"),
                       "%d–%d" % (min(fs_rates), max(fs_rates)) if fs_rates else "n/a", x["runs_n"], m["date"]))
    return ""


def ec2_machine():
    e = load("ec2")
    if not e:
        return ""
    m = e["machine"]
    return ("(e) is a separate run: `python3 bench/bench_ec2.py -n %d` (or `bench/run_all.sh`), blocksnap %s, %s, "
            "load average at start %s, N = %d runs, %s."
            % (e["runs_n"], m.get("blocksnap_source"), "moto %s, boto3 %s" % (m.get("moto"), m.get("boto3")),
               " ".join("%.1f" % x for x in m["loadavg_at_start"]), e["runs_n"], m["date"]))


def nbd_machine():
    n = load("nbd")
    if not n:
        return ""
    m = n["machine"]
    return ("(f) is a separate run: `python3 bench/bench_nbd.py -n %d` (or `bench/run_all.sh`), blocksnap %s, %s, "
            "%s, %s; load average at start %s, at end %s; whole run %d s, N = %d runs, %s."
            % (n["runs_n"], m.get("blocksnap_source"), m.get("nbdkit"), m.get("nbdcopy"), m.get("fio"),
               " ".join("%.1f" % x for x in m["loadavg_at_start"]), " ".join("%.1f" % x for x in m["loadavg_at_end"]),
               m["seconds"], n["runs_n"], m["date"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--update-readme", action="store_true")
    args = ap.parse_args()
    text = "%s\n\n%s\n\n%s\n" % (table(), details(), machine())
    if load("ec2"):
        text += "\n%s\n" % ec2_machine()
    if load("nbd"):
        text += "\n%s\n" % nbd_machine()
    print(text)
    if args.update_readme:
        path = os.path.join(c.BENCH_DIR, "README.md")
        with open(path) as f:
            readme = f.read()
        new, n = re.subn(r"(<!-- results:begin -->\n).*?(<!-- results:end -->)",
                         lambda m: m.group(1) + text + m.group(2), readme, flags=re.S)
        if n != 1:
            raise SystemExit("README.md has no results:begin/results:end markers")
        with open(path, "w") as f:
            f.write(new)
        c.log("updated", path)


if __name__ == "__main__":
    main()

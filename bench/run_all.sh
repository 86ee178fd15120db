#!/usr/bin/env bash
# Runs every blocksnap benchmark, N runs each (medians), then prints the results table.
#
#   bench/run_all.sh [-n N] [--commit REV] [--no-build] [--diagnose] [--update-readme]
#
#   -n N             runs per benchmark (default 3, or $BENCH_RUNS)
#   --commit REV     benchmark a committed revision: `git archive REV` into $BENCH_DIR/src and
#                    build that (default: build the working tree)
#   --no-build       use $BLOCKSNAP_BIN as it is
#   --diagnose       also run bench/diagnose.py (strace / perf / eatmydata; not timed results)
#   --update-readme  paste the table into bench/README.md between the results markers
#
# Environment: BENCH_DIR (images + scratch data dirs, default /tmp/bench; needs ~20 GiB, and
# bench_nbd.py ~16 GiB more while it runs),
# BLOCKSNAP_BIN (default .build-release/release/blocksnap).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
runs=${BENCH_RUNS:-3}
build=1
commit=
diagnose=0
update=()
while [ $# -gt 0 ]; do
    case "$1" in
        -n|--runs) runs=$2; shift 2 ;;
        --commit) commit=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        --diagnose) diagnose=1; shift ;;
        --update-readme) update=(--update-readme); shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 64 ;;
    esac
done
export BENCH_RUNS=$runs
export BENCH_DIR=${BENCH_DIR:-/tmp/bench}
export BLOCKSNAP_BIN=${BLOCKSNAP_BIN:-$repo/.build-release/release/blocksnap}
mkdir -p "$BENCH_DIR"

if [ "$build" = 1 ]; then
    if [ -n "$commit" ]; then
        # a fixed revision, immune to edits in the working tree; reuses the release scratch dir
        rev=$(git -C "$repo" rev-parse --short "$commit")
        rm -rf "$BENCH_DIR/src" && mkdir -p "$BENCH_DIR/src"
        git -C "$repo" archive "$rev" | tar -x -C "$BENCH_DIR/src"
        [ -f "$repo/Package.resolved" ] && cp "$repo/Package.resolved" "$BENCH_DIR/src/"
        swift build -c release --product blocksnap --package-path "$BENCH_DIR/src" --scratch-path "$repo/.build-release"
        export BENCH_SOURCE="commit $rev"
    else
        (cd "$repo" && swift build -c release --product blocksnap --scratch-path .build-release)
    fi
fi
[ -x "$BLOCKSNAP_BIN" ] || { echo "no blocksnap binary at $BLOCKSNAP_BIN" >&2; exit 1; }
command -v restic >/dev/null || { echo "restic is missing (apt-get install restic)" >&2; exit 1; }
command -v moto_server >/dev/null || python3 -m pip install 'moto[server]'
python3 -c 'import boto3' 2>/dev/null || python3 -m pip install boto3
# bench_nbd.py: nbdkit + nbdcopy (peer and client), fio with its nbd engine, python3-libnbd
if ! { command -v nbdkit && command -v nbdcopy && command -v fio && /usr/bin/python3 -c 'import nbd'; } >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq nbdkit libnbd-bin fio python3-libnbd
    else
        echo "bench_nbd.py needs: apt-get install nbdkit libnbd-bin fio python3-libnbd" >&2
    fi
fi

# The standard images (deterministic; ~1.5 min each on a 2-core VM; kept between runs).
avail_kib=$(df -Pk "$BENCH_DIR" | awk 'NR==2 {print $4}')
[ "$avail_kib" -ge $((20 * 1024 * 1024)) ] || echo "warning: less than 20 GiB free in $BENCH_DIR" >&2
[ -f "$BENCH_DIR/base.img.json" ] || python3 "$here/make_image.py" "$BENCH_DIR/base.img" --size-gib 4 --seed 1
[ -f "$BENCH_DIR/mut1.img.json" ] ||
    python3 "$here/make_image.py" "$BENCH_DIR/mut1.img" --mutate 1 --base "$BENCH_DIR/base.img" --seed 1

start=$(date +%s)
cd "$here"
python3 bench_sparse.py
python3 bench_api.py
python3 bench_transfer.py
python3 bench_incremental.py
python3 bench_ec2.py
python3 bench_nbd.py
[ "$diagnose" = 1 ] && python3 diagnose.py
echo "benchmarks took $(( $(date +%s) - start )) s" >&2
python3 report.py "${update[@]}"

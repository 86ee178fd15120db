#!/usr/bin/env bash
# Builds blocksnap (release) and runs `blocksnap serve` on the embedded default: SQLite catalog
# and filesystem object store under ./blocksnap-data. Installs the two C libraries the build
# links against (Debian libzstd-dev, libsqlite3-dev, libxxhash-dev) if they are missing. Extra arguments go to
# `blocksnap serve` (e.g. --listen 127.0.0.1:8788 --data-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for pkg in libzstd-dev libsqlite3-dev libxxhash-dev; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -q
    $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
fi
swift build -c release --product blocksnap
exec .build/release/blocksnap serve "$@"

#!/usr/bin/env bash
# Installs what blocksnap's build and test suites need. Idempotent: installs
# only what is missing, so it is cheap to run before every test run.
#
#   Debian packages: libzstd-dev, libsqlite3-dev, libxxhash-dev (system libraries the Swift
#   package links against); libnbd-bin, python3-libnbd, qemu-utils, nbdkit (the NBD
#   clients and peer the NBD tests drive).
#   Python modules for the end-to-end suite (e2e/): boto3, botocore, pytest,
#   requests, awscli.
set -euo pipefail

APT_PACKAGES=(libzstd-dev libsqlite3-dev libxxhash-dev libnbd-bin python3-libnbd qemu-utils nbdkit)
PY_MODULES=(boto3 botocore pytest requests awscli)

PYTHON="${PYTHON:-python3}"

missing_apt=()
for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing_apt+=("$pkg")
    fi
done

if ((${#missing_apt[@]})); then
    echo "install-test-deps: apt-get install ${missing_apt[*]}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -q
    $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing_apt[@]}"
else
    echo "install-test-deps: Debian packages present (${APT_PACKAGES[*]})"
fi

missing_py=()
for mod in "${PY_MODULES[@]}"; do
    if ! "$PYTHON" -c "import $mod" >/dev/null 2>&1; then
        missing_py+=("$mod")
    fi
done

if ((${#missing_py[@]})); then
    echo "install-test-deps: pip install ${missing_py[*]}"
    # A Debian-managed interpreter refuses plain pip installs (PEP 668).
    "$PYTHON" -m pip install --quiet "${missing_py[@]}" ||
        "$PYTHON" -m pip install --quiet --break-system-packages "${missing_py[@]}"
else
    echo "install-test-deps: Python modules present (${PY_MODULES[*]})"
fi

#!/usr/bin/env bash
# The whole test suite: installs what the tests need, builds, runs the Swift tests and the
# end-to-end suite against a real `blocksnap serve`. Used by .ci/run and README.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
swift build --product blocksnap
swift test --parallel
BLOCKSNAP_BIN="$PWD/.build/debug/blocksnap" python3 -m pytest -q e2e

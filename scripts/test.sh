#!/usr/bin/env bash
# Sets up the machine and runs the whole test suite (release build: the numerical tests
# are too slow unoptimised). Extra arguments go to `swift test` (e.g. --filter Covariance).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
swift test -c release --disable-swift-testing "$@"

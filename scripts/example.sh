#!/usr/bin/env bash
# Sets up the machine, builds the tool in release mode and runs the built-in default
# example (writes out/example.csv, out/example.json and the figure out/example.svg/.png).
# Extra arguments go to `dmft example`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
swift build -c release --product dmft
.build/release/dmft example "$@"

#!/usr/bin/env bash
# Shared driver of the paper-figure examples. For each width m it writes under data/NAME/:
#   dmft-m<M>.csv/.json     DMFT (uniform Euler, step DT), with the discretisation error
#                           estimated by a second run at 2·DT and stored in the sidecar
#   network-m<M>.csv/.json  SGD on a real network, d = 200, batch 100, lr 0.1, RUNS runs
# Every sidecar gets csv_sha256 (checksum of its CSV) for the regression tests, and the
# figure is rendered to docs/figures/NAME.svg/.png.
# Usage (from a figure script): paper_figure NAME TMAX DT RECORD RUNS "WIDTHS" FLAGS...
# (PANELS=error,a,... in the environment selects the figure's panels.)
set -euo pipefail

paper_figure() {
  local name=$1 tmax=$2 dt=$3 record=$4 runs=$5 widths=$6; shift 6
  local flags=("$@")
  local dmft=.build/release/dmft
  local dir=data/$name scratch
  scratch=$(mktemp -d)
  mkdir -p "$dir" docs/figures
  local files=()
  for m in $widths; do
    $dmft solve "${flags[@]}" --width "$m" --dt "$dt" --tmax "$tmax" --out "$dir/dmft-m$m.csv"
    local double; double=$(python3 -c "print(2 * $dt)")
    $dmft solve "${flags[@]}" --width "$m" --dt "$double" --tmax "$tmax" --out "$scratch/double-m$m.csv"
    python3 Examples/lib/provenance.py discretisation "$dir/dmft-m$m.csv" "$scratch/double-m$m.csv"
    $dmft simulate --model network "${flags[@]}" --width "$m" --dim 200 --batch 100 --lr 0.1 \
      --runs "$runs" --seed 1 --tmax "$tmax" --record-every "$record" --out "$dir/network-m$m.csv"
    files+=("$dir/dmft-m$m.csv" "$dir/network-m$m.csv")
  done
  for f in "${files[@]}"; do python3 Examples/lib/provenance.py checksum "$f"; done
  $dmft plot "${files[@]}" --log-time ${PANELS:+--panels "$PANELS"} --out "docs/figures/$name.svg" --png
  rm -rf "$scratch"
}

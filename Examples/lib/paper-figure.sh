#!/usr/bin/env bash
# Shared drivers of the paper-figure examples (run from the repository root, after the build).
#
# dmft_curve OUT DT TMAX FLAGS...
#   DMFT by the uniform Euler solver at step DT to TMAX into OUT (.csv and its .json sidecar),
#   solved again at 2·DT in a scratch directory: the difference, the first-order
#   discretisation error, goes into the sidecar (discretisation_error), with csv_sha256.
#
# paper_figure NAME TMAX DT RECORD RUNS "WIDTHS" FLAGS...
#   For each width m, under data/NAME/:
#     dmft-m<M>.csv/.json     dmft_curve at step DT
#     network-m<M>.csv/.json  SGD on a real network, d = 200, batch 100, lr 0.1, RUNS runs
#   with csv_sha256 in every sidecar, and the figure docs/figures/NAME.svg/.png
#   (PANELS=error,a,... in the environment selects its panels).
set -euo pipefail

dmft_curve() {
  local out=$1 dt=$2 tmax=$3; shift 3
  local dmft=.build/release/dmft scratch double
  scratch=$(mktemp -d)
  double=$(python3 -c "print(2 * $dt)")
  $dmft solve "$@" --dt "$dt" --tmax "$tmax" --out "$out"
  $dmft solve "$@" --dt "$double" --tmax "$tmax" --out "$scratch/double.csv"
  python3 Examples/lib/provenance.py discretisation "$out" "$scratch/double.csv"
  python3 Examples/lib/provenance.py checksum "$out"
  rm -rf "$scratch"
}

paper_figure() {
  local name=$1 tmax=$2 dt=$3 record=$4 runs=$5 widths=$6; shift 6
  local flags=("$@")
  local dmft=.build/release/dmft
  local dir=data/$name
  mkdir -p "$dir" docs/figures
  local files=()
  for m in $widths; do
    dmft_curve "$dir/dmft-m$m.csv" "$dt" "$tmax" "${flags[@]}" --width "$m"
    $dmft simulate --model network "${flags[@]}" --width "$m" --dim 200 --batch 100 --lr 0.1 \
      --runs "$runs" --seed 1 --tmax "$tmax" --record-every "$record" --out "$dir/network-m$m.csv"
    python3 Examples/lib/provenance.py checksum "$dir/network-m$m.csv"
    files+=("$dir/dmft-m$m.csv" "$dir/network-m$m.csv")
  done
  $dmft plot "${files[@]}" --log-time ${PANELS:+--panels "$PANELS"} --out "docs/figures/$name.svg" --png
}

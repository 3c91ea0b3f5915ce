#!/usr/bin/env bash
# The paper's Figure 5 / Figures 28–31 setting (arXiv:2502.21269) with the long-time solver:
# single index, h = φ̂ = 0.9q + q³/6 (‖φ‖² = h(1)), τ = 0.6, α = 0.3, mean-field init a₀ = 1.
# For each width m it runs to t = R·m and writes data/figure5/dmft-m<M>.csv/.json (the
# sidecar carries the solver's error estimate and csv_sha256), then
#   data/figure5/onset/               `dmft onset`: t₀(m; c), the first time a = c√m, and t₀/m
#   docs/figures/figure5.svg/.png     a/√m and √m·v against t/m, test − train against a/√m
# Usage: Examples/figure5.sh ["M:R M:R …"] [TOLERANCE]
#   default "25:20 50:20" and 1e-2 (about 20 minutes on 2 cores;
#   see data/figure5/README.md for what limits larger R at large m).
# Runs keep a checkpoint (data/figure5/dmft-m<M>.ckpt): rerunning after a kill resumes.
# A width whose CSV already exists is not recomputed (delete the CSV to redo it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
swift build -c release --product dmft >/dev/null
dmft=.build/release/dmft
runs=${1:-"25:20 50:20"}
tolerance=${2:-1e-2}
dir=data/figure5
mkdir -p "$dir" docs/figures
files=()
for run in $runs; do
  m=${run%%:*}; ratio=${run##*:}
  tmax=$((m * ratio))
  out="$dir/dmft-m$m.csv" ckpt="$dir/dmft-m$m.ckpt"
  files+=("$out")
  [ -s "$out" ] && continue
  resume=(); [ -s "$ckpt" ] && resume=(--resume)
  $dmft solve --solver long --tolerance "$tolerance" --checkpoint "$ckpt" "${resume[@]}" \
    --width "$m" --tmax "$tmax" --alpha 0.3 --noise 0.6 --init meanfield --a0 1 \
    --h 0.9,0,0.16666666666666666 --phihat 0.9,0,0.16666666666666666 --out "$out"
  python3 Examples/lib/provenance.py checksum "$out"
done
mkdir -p "$dir/onset"
$dmft onset "${files[@]}" --levels 0.3,0.4,0.5,0.6,0.8,1.0 --out-dir "$dir/onset" > "$dir/onset/summary.txt"
$dmft plot "${files[@]}" --scaling --out docs/figures/figure5.svg --png

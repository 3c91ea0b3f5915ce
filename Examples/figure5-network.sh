#!/usr/bin/env bash
# The slow time scale, theory against experiment, in the paper's Figure 5 setting
# (arXiv:2502.21269, Figures 5, 25, 28–31: single index, h = φ̂ = 0.9q + q³/6, τ = 0.6,
# α = 0.3, mean-field a₀ = 1). For each width m, to t = 20·m:
#   - the DMFT with the ratio solver (--nodes 128 --clustering 5 --tolerance 1e-5), its
#     resolution checked against --nodes 96 (difference stored in the sidecar);
#     widths in THEORY only (default "25 50 100:1000 200:2000 400:4000 1000:10000": at m = 100 the
#     ratio solver oscillates from t ≈ 1430 (docs/long-time.md) and agrees across L only to
#     t = 1000, so the widths ≥ 100 stop at t/m = 10; m = 400 stops where the solver's
#     rising-train-error guard ends it, t = 3218, docs/long-time.md);
#   - at m = 1000, an independent check: the long-time solver (--solver long, tolerance 1e-3)
#     to t = 2000, dmft-m1000-long.csv (docs/slow-scale.md);
#   - SGD on real networks: d = 200, n = α·m·d, batch 100, lr 0.1, RUNS = 10 realisations,
#     20 rows per decade of time (the default grid); at m = 25 also d = 400 with the step
#     scaled as d^(−3/2) (lr 0.0354; one sample's kick to w grows like d^(3/2)), to separate
#     the finite-d part of the gap.
# Then the gap network − DMFT in e_train, e_test, a/√m and √m·v at t/m = 0.1, 1, 5, 20
# (Examples/lib/gaps.py; one d, so no d → ∞ column), the overlay on the rescaled axes, and
# the onset analysis of every DMFT curve (`dmft onset`: t₀(m; c), t*(c), κ, the window).
# Writes data/figure5-network/{dmft-m<M>,network-m<M>}.csv/.json, gaps.csv, gaps.md,
# onset/{onset,fit,window}.csv, onset/summary.txt and docs/figures/figure5-network.{svg,png}.
# Runs whose sidecar has its checksum are kept.
# Usage: [THEORY="25 50 100:1000 200:2000 400:4000 1000:10000"] [RUNS=10] bash Examples/figure5-network.sh [widths...]  (default 25 50 100)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
swift build -c release --product dmft >/dev/null
dmft=.build/release/dmft
dir=data/figure5-network
widths=("$@"); [ ${#widths[@]} -gt 0 ] || widths=(25 50 100)
theory_runs=${THEORY:-"25 50 100:1000 200:2000 400:4000 1000:10000"} runs=${RUNS:-10}
h=0.9,0,0.16666666666666666
flags=(--alpha 0.3 --noise 0.6 --init meanfield --a0 1 --h "$h" --phihat "$h")
ratio=(--solver ratio --clustering 5 --tolerance 1e-5)
mkdir -p "$dir" docs/figures
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
done_already() { grep -qs csv_sha256 "${1%.csv}.json"; }
for run in $theory_runs; do
  m=${run%%:*}; tmax=$((20 * m)); [ "$run" != "$m" ] && tmax=${run##*:}
  theory=$dir/dmft-m$m.csv
  if ! done_already "$theory"; then
    $dmft solve "${ratio[@]}" --nodes 128 "${flags[@]}" --width "$m" --tmax "$tmax" --out "$theory"
    $dmft solve "${ratio[@]}" --nodes 96 "${flags[@]}" --width "$m" --tmax "$tmax" --out "$scratch/coarse.csv"
    python3 Examples/lib/provenance.py resolution "$theory" "$scratch/coarse.csv"
    python3 Examples/lib/provenance.py checksum "$theory"
  fi
done
check=$dir/dmft-m1000-long.csv
if ! done_already "$check"; then
  $dmft solve --solver long --tolerance 1e-3 "${flags[@]}" --width 1000 --tmax 2000 --out "$check"
  python3 Examples/lib/provenance.py checksum "$check"
fi
theories=()
for run in $theory_runs; do theories+=("$dir/dmft-m${run%%:*}.csv"); done
specs=() files=() labels=()
network() {  # m d lr out
  done_already "$4" && return
  $dmft simulate --model network "${flags[@]}" --width "$1" --dim "$2" --batch 100 --lr "$3" \
    --runs "$runs" --seed 1 --tmax $((20 * $1)) --out "$4"
  python3 Examples/lib/provenance.py checksum "$4"
}
for m in "${widths[@]}"; do
  sim=$dir/network-m$m.csv
  network "$m" 200 0.1 "$sim"
  theory=$dir/dmft-m$m.csv
  [ -s "$theory" ] && spec="$m=$theory,200=$sim" || spec="$m=-,200=$sim"
  if [ "$m" = 25 ]; then
    network 25 400 0.0354 "$dir/network-m25-d400.csv"
    spec+=",400=$dir/network-m25-d400.csv"
  fi
  specs+=("$spec")
  if [ -s "$theory" ]; then files+=("$theory"); labels+=("DMFT m=$m"); fi
  files+=("$sim"); labels+=("network m=$m")
done
python3 Examples/lib/gaps.py --axis t/m --times 0.1,1,5,20 --out "$dir/gaps" "${specs[@]}"
$dmft plot "${files[@]}" --scaling --labels "$(IFS=,; echo "${labels[*]}")" \
  --out docs/figures/figure5-network.svg --png
mkdir -p "$dir/onset"
$dmft onset "${theories[@]}" --out-dir "$dir/onset" > "$dir/onset/summary.txt"
cat "$dir/onset/summary.txt"
echo "wrote $dir/gaps.md, $dir/gaps.csv and docs/figures/figure5-network.svg"

#!/usr/bin/env bash
# The paper's Figure 24 (arXiv:2502.21269, NeurIPS version, appendix G.2.1): mean-field
# initialisation a₀ = 1, single index h = φ̂ = 0.9q + q³/6 (‖φ‖² = h(1)), τ = 0.6, α = 0.3.
# a(t) and v(t) of the full DMFT for growing m against the mean-field ODE (the paper's
# Eq. G.44, `dmft asymptotics mean-field`; docs/asymptotics.md), to which they converge as
# 1/m. Not stated in the paper, chosen: widths m = 10, 20, 40, 80, horizon t = 20, Euler step
# 0.01 (each curve solved again at 0.02 for its discretisation error).
# Writes data/figure24/ (curves, gaps.csv: largest |DMFT − ODE| per width) and
# docs/figures/figure24.{svg,png}.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source Examples/lib/paper-figure.sh
swift build -c release --product dmft >/dev/null
dmft=.build/release/dmft
dir=data/figure24
mkdir -p "$dir" docs/figures
flags=(--init meanfield --a0 1 --h 0.9,0,0.16666666666666666 --phihat 0.9,0,0.16666666666666666 --noise 0.6 --alpha 0.3)
runs=()
for m in 10 20 40 80; do
  dmft_curve "$dir/dmft-m$m.csv" 0.01 20 "${flags[@]}" --width "$m"
  runs+=("$dir/dmft-m$m.csv")
done
$dmft asymptotics mean-field "${flags[@]}" --tmax 20 --dt 0.01 --out "$dir/mean-field.csv"
python3 Examples/lib/provenance.py checksum "$dir/mean-field.csv"
python3 Examples/lib/limit_gaps.py "$dir/gaps.csv" "$dir/mean-field.csv" a,v,e_test 0 20 "${runs[@]}"
$dmft plot "${runs[@]}" "$dir/mean-field.csv" --panels a,v --out docs/figures/figure24.svg --png

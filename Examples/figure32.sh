#!/usr/bin/env bash
# The paper's Figures 32–33 (arXiv:2502.21269, NeurIPS version, appendix H): the gradient-flow
# interpolation threshold ᾱ_GF(m) of ᾱ = n/d with the second layer frozen at a = 1 (mean-field
# initialisation a₀ = 1), pure-noise labels, τ = 1, h(q) = 0.3q + q²/2, and its m → ∞ limit
# ᾱ_GF(∞) from the fixed-ᾱ infinite-width system (the paper's Eqs. H.7–H.17). t_rel is the first
# time e_train < 1e-7 (the paper's c = 1e-7; ε τ² with τ = 1), measured in T = t/m, and each
# scan is fitted by t_rel = c (ᾱ_GF − ᾱ)^−ν (the paper's Eq. H.2).
# The paper does not state its widths or its ᾱ grid; here:
#   m = ∞:          ᾱ ∈ {0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0}, uniform Euler step 0.1 in T
#                   (and a check at step 0.05), horizons doubled from T = 25 up to 400;
#   m = 5, 10, 20:  ᾱ ∈ {0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9}, long-time solver at tolerance 1e-2,
#                   horizons doubled from T = 25 up to 200 (t = 200 m; m = 20 at ᾱ ≥ 0.9 would
#                   need t > 4000 and is out of the 30-minute budget).
# Each command takes under 30 minutes on 2 cores. Writes
#   data/figure32/infinite-width/   relaxation-times.csv, fit.json, threshold.svg/.png (step 0.1)
#   data/figure32/infinite-width-step0.05/   the same at step 0.05 (discretisation check)
#   data/figure32/finite/           the same for m = 5, 10, 20
#   docs/figures/figure32-infinite-width.svg/.png, docs/figures/figure32-finite.svg/.png
# Usage: Examples/figure32.sh [PART]   PART = infinite | check | finite | all (default all)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
swift build -c release --product dmft >/dev/null
dmft=.build/release/dmft
part=${1:-all}
data=data/figure32
problem=(--init meanfield --a0 1 --noise 1 --h 0.3,0.5 --scan alphabar)
mkdir -p "$data" docs/figures
timed() {  # name, then the command: runs it and prints its wall time
  local name=$1; shift
  local start; start=$(date +%s)
  "$@"
  echo "figure32 $name: $(( $(date +%s) - start )) s wall"
}
if [ "$part" = infinite ] || [ "$part" = all ]; then
  timed infinite-width $dmft threshold "${problem[@]}" --limit infinite-width --dt 0.1 \
    --values 0.5,0.6,0.7,0.8,0.85,0.9,0.95,1.0 --tmax-start 25 --tmax 400 --out-dir "$data/infinite-width"
  cp "$data/infinite-width/threshold.svg" docs/figures/figure32-infinite-width.svg
  cp "$data/infinite-width/threshold.png" docs/figures/figure32-infinite-width.png
fi
if [ "$part" = check ] || [ "$part" = all ]; then
  timed infinite-width-step0.05 $dmft threshold "${problem[@]}" --limit infinite-width --dt 0.05 \
    --values 0.5,0.6,0.7,0.8,0.85,0.9 --tmax-start 25 --tmax 400 --no-png --out-dir "$data/infinite-width-step0.05"
fi
if [ "$part" = finite ] || [ "$part" = all ]; then
  timed finite $dmft threshold "${problem[@]}" --limit finite --widths 5,10,20 \
    --values 0.4,0.5,0.6,0.7,0.8,0.85,0.9 --tmax-start 25 --tmax 200 --out-dir "$data/finite"
  cp "$data/finite/threshold.svg" docs/figures/figure32-finite.svg
  cp "$data/finite/threshold.png" docs/figures/figure32-finite.png
fi

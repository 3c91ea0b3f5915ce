#!/usr/bin/env bash
# The paper's Figure 33 (arXiv:2502.21269, NeurIPS version, appendix H.2): the full symmetric
# DMFT at fixed ᾱ = n/d and growing width m against the fixed-ᾱ infinite-width system (the
# paper's Eqs. H.7–H.17), on the time axis t/m: train error (left) and C_d(t, 0) (right).
# Pure-noise labels, τ = 1, second layer frozen at a = 1, h(q) = 0.3q + q²/2. The paper does not
# state ᾱ, the widths or the horizon; here ᾱ = 0.8 (below ᾱ_GF, so the train error decays to 0),
# m ∈ {5, 10, 20, 40} by the long-time solver (tolerance 1e-2) to t/m = 50, and the m = ∞ system
# at step 0.05 in T = t/m. A few minutes on 2 cores. Writes data/figure33/*.csv (+ .json
# sidecars with checksums) and docs/figures/figure33.svg/.png.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
swift build -c release --product dmft >/dev/null
dmft=.build/release/dmft
data=data/figure33
mkdir -p "$data" docs/figures
problem=(--init meanfield --a0 1 --noise 1 --h 0.3,0.5 --freeze-second-layer)
start=$(date +%s)
$dmft asymptotics infinite-width "${problem[@]}" --width 1 --alpha 0.8 --tmax 50 --dt 0.05 --out "$data/infinite-width.csv"
for m in 5 10 20 40; do
  $dmft solve "${problem[@]}" --width $m --alpha "$(python3 -c "print(0.8/$m)")" --solver long --tolerance 1e-2 \
      --tmax $((50 * m)) --out "$data/dmft-m$m.csv"
done
$dmft plot "$data"/dmft-m{5,10,20,40}.csv "$data/infinite-width.csv" --time-axis t/m --panels error,Cd_t0 \
    --out docs/figures/figure33.svg --png
echo "figure33: $(( $(date +%s) - start )) s"

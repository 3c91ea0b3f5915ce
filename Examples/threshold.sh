#!/usr/bin/env bash
# Gradient-flow interpolation threshold α*(γ₀ = 1) for pure noise, lazy initialisation,
# h = 0.9q + q³/6, τ = 0.5: relaxation times of the training error (second layer frozen)
# over α at width m = 10 (full symmetric DMFT) and m = ∞ (lazy regime-2 system), fitted
# by t_rel ≈ c (α* − α)^−ν. Writes data/threshold/{relaxation-times.csv,fit.json,threshold.svg,png}.
# Takes about 30 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
swift build -c release --product dmft
.build/release/dmft threshold --init lazy --gamma0 1 --h 0.9,0,0.1666667 --noise 0.5 --width 10 \
    --scan alpha --values 0.2,0.3,0.35,0.4,0.45,0.5,0.55 --limit both --tmax 400 --out-dir data/threshold "$@"

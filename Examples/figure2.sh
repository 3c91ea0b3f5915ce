#!/usr/bin/env bash
# The paper's Figure 2 (arXiv:2502.21269): pure noise, mean-field init a₀ = 1,
# h = 0.9q + q³/6, α = 0.4, τ = 0.6; second-layer weight a(t) and train error, DMFT against
# SGD on real networks (d = 200, batch 100, lr 0.1, 10 runs), widths m = 10, 20, 40, t ≤ 100.
# Writes data/figure2/ and docs/figures/figure2.{svg,png}. About 10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source Examples/lib/paper-figure.sh
swift build -c release --product dmft >/dev/null
PANELS=error,a,Cd_t0,nu paper_figure figure2 100 0.05 1 10 "10 20 40" \
  --alpha 0.4 --noise 0.6 --init meanfield --a0 1 --h 0.9,0,0.16666666666666666

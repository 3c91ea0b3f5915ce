#!/usr/bin/env bash
# The paper's Figure 4 (arXiv:2502.21269): single index, h = φ̂ = 0.9q + q³/6 (‖φ‖² = h(1)),
# τ = 0.3, α = 0.3, mean-field init a₀ = 1; a(t), train and test error, DMFT against SGD on
# real networks (d = 200, batch 100, lr 0.1, 10 runs), widths m = 10, 20, 40, t ≤ 100.
# Writes data/figure4/ and docs/figures/figure4.{svg,png}. About 10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source Examples/lib/paper-figure.sh
swift build -c release --product dmft >/dev/null
paper_figure figure4 100 0.05 1 10 "10 20 40" \
  --alpha 0.3 --noise 0.3 --init meanfield --a0 1 --h 0.9,0,0.16666666666666666 --phihat 0.9,0,0.16666666666666666

#!/usr/bin/env bash
# The paper's Figure 7 (arXiv:2502.21269, appendix D.3, Setting 2): pure noise, τ = 1, m = 4,
# h = q/10 + q²/2, ᾱ = n/d = 1.5; independent uniform first layers (C_ij(0,0) = δ_ij) and
# a(0) = (−1, −1/2, 1/3, 2/3). Grouped DMFT (one group per neuron) against GD on the
# Gaussian-process model at d = 50, 100, 200 (n = 1.5 d), t ≤ 10.
# Writes data/figure7/ and docs/figures/figure7.{svg,png}. About 45 minutes on 2 busy cores.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source Examples/lib/grouped-figure.sh
swift build -c release --product dmft >/dev/null
grouped_figure figure7 "50:800 100:400 200:150" --group-a0=-1,-0.5,0.3333333333333333,0.6666666666666666

#!/usr/bin/env bash
# The paper's Figure 6 (arXiv:2502.21269, appendix D.3, Setting 1): pure noise, τ = 1, m = 4,
# h = q/10 + q²/2, ᾱ = n/d = 1.5; a(0) = (1, 1, −1, −1) and tied first layers
# w_1(0) = w_3(0) = y_1, w_2(0) = w_4(0) = y_2 (--group-directions 1,2,1,2), i.e. C_13(0,0) =
# C_24(0,0) = 1 and the other C_ij(0,0) = δ_ij. Grouped DMFT (one group per neuron) against GD on
# the Gaussian-process model at d = 50, 100, 200 (n = 1.5 d), t ≤ 10.
# Writes data/figure6/ and docs/figures/figure6.{svg,png}. About 30 minutes on 2 busy cores.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source Examples/lib/grouped-figure.sh
swift build -c release --product dmft >/dev/null
grouped_figure figure6 "50:600 100:300 200:100" --group-a0=1,1,-1,-1 --group-directions 1,2,1,2

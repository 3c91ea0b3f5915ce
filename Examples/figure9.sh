#!/usr/bin/env bash
# The paper's Figure 9 (arXiv:2502.21269, NeurIPS version, appendix F.1.2): pure noise, lazy
# initialisation a = γ₀√m with the second layer frozen (the setting of F.1.1–F.1.2), γ₀ = 1,
# τ = 1, α = 0.5, h = 0.3q + q²/2. C_d(t, 0) and the train error against t for growing m, with
# the lazy regime-2 limit; the inset's train error against t·m, with the regime-1 limit, is the
# left half. Not stated in the paper, chosen: widths m = 10, 20, 40, horizon t = 5. Driver:
# Examples/lib/lazy-figure.sh. Writes data/figure9/ and docs/figures/figure9.{svg,png}.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source Examples/lib/paper-figure.sh
source Examples/lib/lazy-figure.sh
swift build -c release --product dmft >/dev/null
lazy_figure figure9 5 "10 20 40" --init lazy --gamma0 1 --freeze-second-layer --h 0.3,0.5 --noise 1 --alpha 0.5

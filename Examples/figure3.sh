#!/usr/bin/env bash
# The paper's Figure 3 (arXiv:2502.21269, NeurIPS version, Section 2.3), and with it Figures 13
# (right panel) and 14 of appendix F.2, the same setting: lazy initialisation a(0) = γ₀√m with
# the second layer trained, single index h = φ̂ = 0.9q + q²/2 (‖φ‖² = h(1)), τ = 0.3, α = 0.3.
# Train and test error of the full DMFT against t·m and against t (the same runs), with the
# m → ∞ limits: lazy regime 1 on t·m (closed form, train = test error) and lazy regime 2 on t
# (its test error is the plateau of the paper's Eq. 2.7); C_d(t, 0) against t is Figure 13's
# right panel. Not stated in the paper, chosen: γ₀ = 1 (Figures 13–14 state it), widths
# m = 10, 20, 40, horizon t = 5. Driver: Examples/lib/lazy-figure.sh.
# Writes data/figure3/ and docs/figures/figure3.{svg,png}.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source Examples/lib/paper-figure.sh
source Examples/lib/lazy-figure.sh
swift build -c release --product dmft >/dev/null
lazy_figure figure3 5 "10 20 40" --init lazy --gamma0 1 --h 0.9,0.5 --phihat 0.9,0.5 --noise 0.3 --alpha 0.3

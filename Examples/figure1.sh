#!/usr/bin/env bash
# The paper's Figure 1 (arXiv:2502.21269, NeurIPS version): the three dynamical regimes of a
# mean-field initialisation at α = 0.3 on a logarithmic time axis — feature learning (t = O(1),
# train ≈ test error), extended feature learning (1 ≪ t ≪ m) and overfitting with feature
# unlearning (t ≳ m: the train error falls, the test error rises, the second layer grows to
# order √m). The caption gives only α = 0.3 and a single-index target; drawn here are the runs
# of Figure 5's setting (h = φ̂ = 0.9q + q³/6, τ = 0.6, a₀ = 1, m = 25 and 50 to t = 20·m,
# long-time solver, data/figure5/), made by Examples/figure5.sh if they are absent. The
# second-layer panel is a/√m (the paper draws ‖a‖₁/m = a, of one width).
# Writes docs/figures/figure1.{svg,png}: seconds when data/figure5/ exists.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
swift build -c release --product dmft >/dev/null
runs=(data/figure5/dmft-m25.csv data/figure5/dmft-m50.csv)
for f in "${runs[@]}"; do [ -s "$f" ] || bash Examples/figure5.sh; done
.build/release/dmft plot "${runs[@]}" --log-time --panels error,a --out docs/figures/figure1.svg --png

#!/usr/bin/env bash
# The paper's Figures 19 and 20 (arXiv:2502.21269, NeurIPS version, appendix G.1.2): pure noise,
# mean-field initialisation a₀ = 1, h = 0.9q + q³/6, τ = 0.6, α = 0.3 (Figure 18's setting).
# Figure 19: a and C_d(t, 0) of the full DMFT for growing m against s = t/√m, with the m → ∞
# p-spin regime (`dmft asymptotics pspin`: the paper's Eqs. G.14–G.23, docs/asymptotics.md).
# Figure 20: a^mf2(s) of that limit on a longer horizon, with the straight line A∞·s of the
# paper's Eq. G.29, A∞ = −τ√α E = 2cτ√α √((k−1)/k) for h̃ = h − h'(0)q = c²q^k (c² = 1/6, k = 3).
# Not stated in the paper, chosen: m = 16, 64, 256 (long-time solver, tolerance 1e-4, its
# error estimate in each sidecar) to s = 3, the limit to s = 3 (Figure 19) and s = 20 (Figure 20).
# Writes data/figure19/ (curves; gaps-pspin.csv: largest |DMFT − limit| per width) and
# docs/figures/figure19.{svg,png}, figure20.{svg,png}.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
swift build -c release --product dmft >/dev/null
dmft=.build/release/dmft
dir=data/figure19
mkdir -p "$dir" docs/figures
flags=(--init meanfield --a0 1 --h 0.9,0,0.16666666666666666 --noise 0.6 --alpha 0.3)
runs=()
for m in 16 64 256; do
  $dmft solve "${flags[@]}" --width "$m" --solver long --tolerance 1e-4 \
    --tmax "$(python3 -c "print(3 * $m ** 0.5)")" --out "$dir/dmft-m$m.csv"
  runs+=("$dir/dmft-m$m.csv")
done
$dmft asymptotics pspin "${flags[@]}" --tmax 3 --out "$dir/pspin.csv"
$dmft asymptotics pspin "${flags[@]}" --tmax 20 --out "$dir/pspin-long.csv"
for f in "${runs[@]}" "$dir/pspin.csv" "$dir/pspin-long.csv"; do python3 Examples/lib/provenance.py checksum "$f"; done
python3 Examples/lib/limit_gaps.py "$dir/gaps-pspin.csv" "$dir/pspin.csv" a,Cd_t0 0 3 "${runs[@]}"
$dmft plot "${runs[@]}" "$dir/pspin.csv" --time-axis 't/sqrt(m)' --panels a,Cd_t0 --out docs/figures/figure19.svg --png
# Eq. G.29's line A∞·s (a guide, as in the paper), from the slope the limit's sidecar records.
python3 - "$dir" <<'PY'
import csv, json, sys
d = sys.argv[1]
slope = float(json.load(open(f"{d}/pspin-long.json"))["solver"]["asymptotic_slope"])
with open(f"{d}/slope-line.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["t", "a"])
    for k in range(0, 201):
        w.writerow([k / 10, slope * k / 10])
print(f"A∞ = {slope}")
PY
$dmft plot "$dir/pspin-long.csv" "$dir/slope-line.csv" --time-axis 't/sqrt(m)' --widths 1,1 \
  --labels "m = ∞ (p-spin regime),A∞·s (Eq. G.29)" --panels a --out docs/figures/figure20.svg --png

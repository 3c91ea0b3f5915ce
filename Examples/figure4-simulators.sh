#!/usr/bin/env bash
# The paper's Figure 4 setting (arXiv:2502.21269): single index, h = φ̂ = 0.9q + q³/6,
# τ = 0.3, α = 0.3, mean-field init a₀ = 1. For each width m: the DMFT curve, GD on the
# Gaussian-process model (which the DMFT describes exactly; d = 40 keeps its degree-3
# tensors at ~60 MB per realisation) and SGD on a real network (d = 200, batch 100, lr 0.1,
# σ = √0.9 He₁ + He₃/6). Output: out/figure4/{dmft,gaussian,network}-m<M>.csv (+ .json).
# Usage: bash Examples/figure4-simulators.sh [widths...]   (default: 5 10 20)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
swift build -c release --product dmft >/dev/null
dmft=.build/release/dmft
out=out/figure4
mkdir -p "$out"
widths=("$@"); [ ${#widths[@]} -gt 0 ] || widths=(5 10 20)
h=0.9,0,0.16666666666666666
common=(--alpha 0.3 --noise 0.3 --init meanfield --a0 1 --h $h --phihat $h)
tmax=20
for m in "${widths[@]}"; do
  $dmft solve "${common[@]}" --width "$m" --dt 0.02 --tmax $tmax --out "$out/dmft-m$m.csv"
  $dmft simulate --model gaussian "${common[@]}" --width "$m" --dim 40 --lr 0.02 --runs 10 \
    --tmax $tmax --record-every 0.5 --out "$out/gaussian-m$m.csv"
  $dmft simulate --model network "${common[@]}" --width "$m" --dim 200 --lr 0.1 --batch 100 --runs 10 \
    --tmax $tmax --record-every 0.5 --out "$out/network-m$m.csv"
done
# Side by side at a few times: theory, Gaussian model, network (mean ± standard error).
python3 - "$out" "${widths[@]}" <<'PY'
import csv, sys
out, widths = sys.argv[1], sys.argv[2:]
def load(p):
    with open(p) as f:
        return list(csv.DictReader(f))
def at(rows, t):
    return min(rows, key=lambda r: abs(float(r["t"]) - t))
print(f"{'m':>3} {'t':>5} {'obs':>8} {'DMFT':>9} {'GP model':>18} {'network':>18}")
for m in widths:
    d, g, n = (load(f"{out}/{k}-m{m}.csv") for k in ("dmft", "gaussian", "network"))
    for t in (1, 5, 20):
        for obs in ("e_train", "e_test", "a", "v"):
            rd, rg, rn = at(d, t), at(g, t), at(n, t)
            print(f"{m:>3} {t:>5} {obs:>8} {float(rd[obs]):9.4f} "
                  f"{float(rg[obs]):9.4f}±{float(rg[obs+'_se']):.4f} {float(rn[obs]):9.4f}±{float(rn[obs+'_se']):.4f}")
PY

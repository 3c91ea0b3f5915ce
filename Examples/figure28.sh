#!/usr/bin/env bash
# The paper's Figures 25 and 28–31 (arXiv:2502.21269, NeurIPS version, appendix G.2.3): single
# index, h = φ̂ = 0.9q + q³/6, τ = 0.6, α = 0.3, mean-field a₀ = 1, on t = Θ(m). The DMFT curves
# are those of Examples/figure5-network.sh (data/figure5-network/dmft-m<M>.csv, ratio solver,
# m = 25, 50 to t = 20·m, 100, 200, 1000 to t = 10·m, 400 to t = 3218 where the solver stops);
# this script adds the lazy references:
#   - the interpolation threshold γ*_GF of the paper's §F.2.3 (the arrows of Figures 25 and 28):
#     `dmft threshold --limit lazy-2 --scan gamma0`, the lazy regime-2 system with the second
#     layer frozen at γ₀, noise τ'² = τ² + ‖φ‖² − φ̂'(0)²/h'(0), relaxation times fitted by
#     t_rel ≈ c(γ₀ − γ*)^−ν;
#   - the fixed-γ model at t → ∞ (Figure 31's comparison, Figure 30's reference): the same
#     system solved by the ratio solver to t = 4000 at γ = 0.1, 0.2, …, 0.6, 0.65 (the m = 1 DMFT with
#     h̃ = q³/6 and τ' written out), e_train and ν extrapolated in t (Examples/lib/asymptote.py);
#     its test error is the constant ½(τ'² + γ²h̃(1)).
# Figures: 25 (train and test error against t and t/m), 28 (a/√m and v against t/m), 30 (train
# and test error against a/√m with the fixed-γ values; test error against train error), 31
# (test − train against a/√m: `dmft plot --scaling`). Figure 29 (√m·v against a/√m) is not
# drawn: `dmft plot` cannot rescale v by √m against a column; the scaling figure has √m·v
# against t/m, and the product a·v is in data/figure28/summary.csv.
# Writes data/figure28/ (threshold/, regime2-gamma<G>.csv, asymptotes.csv, summary.csv) and
# docs/figures/figure25, 28, 30, 31 .{svg,png}. Runs whose sidecar has its checksum are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
swift build -c release --product dmft >/dev/null
dmft=.build/release/dmft
dir=data/figure28
theory=data/figure5-network
mkdir -p "$dir" docs/figures
h=0.9,0,0.16666666666666666
done_already() { grep -qs csv_sha256 "${1%.csv}.json"; }
if [ ! -s "$dir/threshold/fit.json" ]; then
  $dmft threshold --init lazy --h "$h" --phihat "$h" --noise 0.6 --alpha 0.3 --scan gamma0 \
    --values 0.8,0.85,0.9,0.95,1.0,1.1,1.2,1.4 --limit lazy-2 --tmax 800 --out-dir "$dir/threshold"
fi
# τ' as the regime-2 reduction computes it (its sidecar's solver.effective_noise).
$dmft asymptotics lazy-2 --init lazy --h "$h" --phihat "$h" --noise 0.6 --alpha 0.3 --tmax 0.1 \
  --out "$dir/regime2-noise.csv" 2>/dev/null
noise=$(python3 -c "import json; print(json.load(open('$dir/regime2-noise.json'))['solver']['effective_noise'])")
rm "$dir"/regime2-noise.*
regime2=()
for g in 0.1 0.2 0.3 0.4 0.5 0.6 0.65; do
  run=$dir/regime2-gamma$g.csv
  if ! done_already "$run"; then
    $dmft solve --solver ratio --clustering 5 --nodes 96 --tolerance 1e-6 --alpha 0.3 --noise "$noise" --width 1 \
      --init lazy --gamma0 "$g" --freeze-second-layer --h 0,0,0.16666666666666666 --tmax 4000 --out "$run"
    python3 Examples/lib/provenance.py checksum "$run"
  fi
  regime2+=("$run")
done
python3 Examples/lib/asymptote.py "$dir/asymptotes.csv" e_train,nu gamma "${regime2[@]}"
runs=() labels=()
for m in 25 50 100 200 400 1000; do runs+=("$theory/dmft-m$m.csv") labels+=("DMFT m=$m"); done
label_list=$(IFS=,; echo "${labels[*]}")
$dmft plot "${runs[@]}" --time-axis t/m --panels error --labels "$label_list" --out "$dir/f25-right.svg"
$dmft plot "${runs[@]}" --log-time --panels error --labels "$label_list" --out "$dir/f25-left.svg"
python3 Examples/lib/side_by_side.py docs/figures/figure25.svg "$dir/f25-left.svg" "$dir/f25-right.svg"
rm "$dir"/f25-*.svg
$dmft plot "${runs[@]}" --time-axis t/m --panels a,v --labels "$label_list" --out docs/figures/figure28.svg --png
$dmft plot "${runs[@]}" "$dir/asymptotes.csv" --x-column gamma --panels error \
  --labels "$label_list,fixed γ: t → ∞ (regime 2)" --out "$dir/f30-left.svg"
$dmft plot "${runs[@]}" --x-column e_train --panels error --labels "$label_list" --out "$dir/f30-right.svg"
python3 Examples/lib/side_by_side.py docs/figures/figure30.svg "$dir/f30-left.svg" "$dir/f30-right.svg"
rm "$dir"/f30-*.svg
$dmft plot "${runs[@]}" --scaling --labels "$label_list" --out docs/figures/figure31.svg --png
# The numbers the paper's text quotes for these figures (docs/paper.md).
python3 - "$dir" "$noise" "${runs[@]}" <<'PY' | tee "$dir/summary.csv"
import csv, json, sys
d, noise, runs = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
load = lambda p: [{k: float(v) for k, v in r.items()} for r in csv.DictReader(open(p))]
fit = json.load(open(f"{d}/threshold/fit.json"))
print("m,t_over_m_end,gamma_end,sqrt_m_v_end,a_times_v_end,e_train_end,e_test_end,test_minus_train_end")
for path in runs:
    rows, m = load(path), json.load(open(path[:-4] + ".json"))["problem"]["width"]
    r = rows[-1]
    print(f"{m},{r['t'] / m:.4g},{r['gamma']:.5g},{m ** 0.5 * r['v']:.5g},{r['a'] * r['v']:.5g},"
          f"{r['e_train']:.4g},{r['e_test']:.5g},{r['e_test'] - r['e_train']:.5g}")
print(f"# tau_prime = {noise:.6g}; threshold fit: {json.dumps(fit.get('fits', fit))[:400]}")
PY

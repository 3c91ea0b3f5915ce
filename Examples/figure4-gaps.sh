#!/usr/bin/env bash
# How far real networks are from the DMFT in the paper's Figure 4 setting (arXiv:2502.21269:
# single index, h = φ̂ = 0.9q + q³/6, τ = 0.3, α = 0.3, mean-field a₀ = 1), and how much of that
# is finite d. For each width m: the DMFT to t = 100 (uniform grid, dt 0.05, its O(dt) error
# estimated against dt 0.1 in the sidecar) and SGD on real networks (batch 100, RUNS = 10
# realisations, a row every unit of time) at d = 200 and 400, and 800 for m ≤ 40. One SGD step
# is lr·d/n of time at every d, but the kick one sample gives w grows like d^(3/2), and the
# cubic activation makes large kicks diverge (lr 0.1 and 0.05 both diverged at m = 10,
# d = 800): lr = 0.05 up to d = 400 and 0.05·(400/d)^(3/2) beyond. The step's own effect is
# measured at m = 10, d = 400 with the d = 800 step (gaps-lr-check.md, against the d = 400
# column of gaps.md). Then the gap
# network − DMFT in e_train, e_test, a/√m and √m·v at t = 10, 30, 100, with its d → ∞
# extrapolation (Examples/lib/gaps.py).
# Writes data/figure4-gaps/{dmft-m<M>,network-m<M>-d<D>}.csv/.json, gaps.csv and gaps.md.
# A run whose sidecar has its checksum (the last step) is not recomputed (delete it to redo),
# so a killed script resumes.
# Usage: bash Examples/figure4-gaps.sh [widths...]   (default 10 20 40 80 160; RUNS=10)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
swift build -c release --product dmft >/dev/null
dmft=.build/release/dmft
dir=data/figure4-gaps
widths=("$@"); [ ${#widths[@]} -gt 0 ] || widths=(10 20 40 80 160)
runs=${RUNS:-10}
step() { python3 -c "print(round(0.05 * min(1, (400 / $1) ** 1.5), 6))"; }
h=0.9,0,0.16666666666666666
flags=(--alpha 0.3 --noise 0.3 --init meanfield --a0 1 --h "$h" --phihat "$h")
mkdir -p "$dir"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
done_already() { grep -qs csv_sha256 "${1%.csv}.json"; }
network() {  # m d lr out
  done_already "$4" && return
  $dmft simulate --model network "${flags[@]}" --width "$1" --dim "$2" --batch 100 --lr "$3" \
    --runs "$runs" --seed 1 --tmax 100 --record-every 1 --out "$4"
  python3 Examples/lib/provenance.py checksum "$4"
}
specs=()
for m in "${widths[@]}"; do
  theory=$dir/dmft-m$m.csv
  if ! done_already "$theory"; then
    $dmft solve "${flags[@]}" --width "$m" --dt 0.05 --tmax 100 --out "$theory"
    $dmft solve "${flags[@]}" --width "$m" --dt 0.1 --tmax 100 --out "$scratch/double.csv"
    python3 Examples/lib/provenance.py discretisation "$theory" "$scratch/double.csv"
    python3 Examples/lib/provenance.py checksum "$theory"
  fi
  spec="$m=$theory"
  dims=(200 400); [ "$m" -le 40 ] && dims+=(800)
  for d in "${dims[@]}"; do
    sim=$dir/network-m$m-d$d.csv
    network "$m" "$d" "$(step "$d")" "$sim"
    spec+=",$d=$sim"
  done
  specs+=("$spec")
done
python3 Examples/lib/gaps.py --axis t --times 10,30,100 --out "$dir/gaps" "${specs[@]}"
check=$dir/network-m10-d400-lr$(step 800).csv
network 10 400 "$(step 800)" "$check"
python3 Examples/lib/gaps.py --axis t --times 10,30,100 --out "$dir/gaps-lr-check" "10=$dir/dmft-m10.csv,400=$check"
echo "wrote $dir/gaps.md, $dir/gaps.csv and $dir/gaps-lr-check.md"

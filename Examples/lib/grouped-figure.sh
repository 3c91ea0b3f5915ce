#!/usr/bin/env bash
# Shared driver of the grouped-start figures (the paper's Figures 6 and 7, appendix D.3): pure
# noise, m = 4, ᾱ = n/d = 1.5 (α = 0.375), h = q/10 + q²/2, τ = 1, t ≤ 10. Writes under data/NAME/:
#   dmft-dt<η>.csv/.json        grouped DMFT, uniform Euler at η = 0.1 (the paper's), 0.05, 0.025
#   gaussian-d<d>.csv/.json     GD on the Gaussian-process model, step 0.1, at each d of PLAN
#   gaussian-d100-lr0.05.csv    the same at d = 100 with step 0.05 (the GD-step effect)
#   gaps.csv                    max over t of |DMFT − GD| per observable and d, with the largest
#                               standard error over t (Examples/lib/grouped_gaps.py)
#   wall-time.txt               wall time of the whole script
# Every sidecar gets csv_sha256; the figure goes to docs/figures/NAME.svg/.png.
# Usage (from a figure script): grouped_figure NAME "D:RUNS ..." FLAGS...
set -euo pipefail

grouped_figure() {
  local name=$1 plan=$2; shift 2
  local flags=(--width 4 --alpha 0.375 --noise 1 --h 0.1,0.5 --init groups "$@")
  local dmft=.build/release/dmft dir=data/$name start
  start=$(date +%s)
  mkdir -p "$dir" docs/figures
  local files=()
  for dt in 0.1 0.05 0.025; do
    $dmft solve "${flags[@]}" --dt "$dt" --tmax 10 --out "$dir/dmft-dt$dt.csv"
    files+=("$dir/dmft-dt$dt.csv")
  done
  local runs100=100
  for entry in $plan; do
    local d=${entry%%:*} runs=${entry##*:}
    [ "$d" = 100 ] && runs100=$runs
    $dmft simulate --model gaussian "${flags[@]}" --dim "$d" --runs "$runs" --lr 0.1 --seed 1 --tmax 10 \
      --record-every 0.5 --out "$dir/gaussian-d$d.csv"
    files+=("$dir/gaussian-d$d.csv")
  done
  $dmft simulate --model gaussian "${flags[@]}" --dim 100 --runs "$runs100" --lr 0.05 --seed 1 --tmax 10 \
    --record-every 0.5 --out "$dir/gaussian-d100-lr0.05.csv"
  files+=("$dir/gaussian-d100-lr0.05.csv")
  for f in "${files[@]}"; do python3 Examples/lib/provenance.py checksum "$f"; done
  python3 Examples/lib/grouped_gaps.py "$dir" > "$dir/gaps.csv"
  cat "$dir/gaps.csv"
  echo "$(( $(date +%s) - start )) s" > "$dir/wall-time.txt"
  plot_grouped_figure "$name"
}

# The figure: DMFT at η = 0.1 and 0.025 as lines, GD at each d as markers; panels: train
# error, a_i(t) per neuron, C_ii(t, 0) and the equal-time correlations C_ij(t, t).
plot_grouped_figure() {
  local name=$1 dir=data/$1
  local inputs=("$dir/dmft-dt0.1.csv" "$dir/dmft-dt0.025.csv") labels="DMFT η = 0.1,DMFT η = 0.025"
  for f in $(ls "$dir"/gaussian-d*.csv | sort -V); do
    case $f in *lr0.05*) continue ;; esac
    local d=${f##*gaussian-d}; d=${d%.csv}
    inputs+=("$f"); labels+=",GD d = $d"
  done
  .build/release/dmft plot "${inputs[@]}" --labels "$labels" --panels error,a_groups,Cd_t0,Co_groups \
    --columns 2 --out "docs/figures/$name.svg" --png
}

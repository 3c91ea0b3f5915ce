#!/usr/bin/env bash
# Driver of the lazy-initialisation figures (a(0) = γ₀√m; run from the repository root after
# the build, with Examples/lib/paper-figure.sh sourced).
#
# lazy_figure NAME TMAX "WIDTHS" FLAGS...
#   For each width m, data/NAME/dmft-m<M>.csv: the full DMFT to t = TMAX at Euler step
#   0.05/m (the stable step shrinks like 1/m; dmft_curve records the error from a run at twice
#   the step). The m → ∞ limits (docs/asymptotics.md): data/NAME/lazy1.csv, lazy regime 1 on
#   t̂ = t·m up to the largest width's horizon (closed form); data/NAME/lazy2.csv, lazy regime 2
#   on t (reduced DMFT, long-time solver at tolerance 1e-4, its error estimate in the sidecar).
#   data/NAME/gaps-lazy2.csv: largest |DMFT − regime 2| over 1 ≤ t ≤ TMAX per width.
#   docs/figures/NAME.svg/.png: train and test error against t·m with regime 1 (left), and
#   train and test error and C_d(t, 0) against t with regime 2 (right), log time.
set -euo pipefail

lazy_figure() {
  local name=$1 tmax=$2 widths=$3; shift 3
  local dmft=.build/release/dmft dir=data/$name work largest=0
  work=$(mktemp -d)
  mkdir -p "$dir" docs/figures
  local runs=() limit=()
  # The lazy limits keep a frozen at γ₀√m by construction: they take the flags but that one.
  for flag in "$@"; do [ "$flag" = --freeze-second-layer ] || limit+=("$flag"); done
  for m in $widths; do
    dmft_curve "$dir/dmft-m$m.csv" "$(python3 -c "print(0.05 / $m)")" "$tmax" "$@" --width "$m"
    runs+=("$dir/dmft-m$m.csv")
    largest=$(( m > largest ? m : largest ))
  done
  $dmft asymptotics lazy-1 "${limit[@]}" --tmax "$(python3 -c "print($largest * $tmax)")" --dt 0.05 --out "$dir/lazy1.csv"
  $dmft asymptotics lazy-2 "${limit[@]}" --tmax "$tmax" --tolerance 1e-4 --out "$dir/lazy2.csv"
  for f in "$dir/lazy1.csv" "$dir/lazy2.csv"; do python3 Examples/lib/provenance.py checksum "$f"; done
  python3 Examples/lib/limit_gaps.py "$dir/gaps-lazy2.csv" "$dir/lazy2.csv" e_train,e_test,Cd_t0 1 "$tmax" "${runs[@]}"
  $dmft plot "${runs[@]}" "$dir/lazy1.csv" --time-axis 't*m' --log-time --panels error --out "$work/tm.svg"
  $dmft plot "${runs[@]}" "$dir/lazy2.csv" --log-time --panels error,Cd_t0 --out "$work/t.svg"
  python3 Examples/lib/side_by_side.py "docs/figures/$name.svg" "$work/tm.svg" "$work/t.svg"
  rm -rf "$work"
}

#!/usr/bin/env bash
# Does the slow-scale onset depend on the noise τ or the sample ratio α? The onset analysis of
# Examples/figure5-network.sh (`dmft onset`: t₀(m; c), the first time a = c√m, the paper's
# eq. G.79; fit t₀/m = t*(c) + A·m^(−κ); the window exponent), repeated in two more settings of
# the Figure 5 physics (single index, h = φ̂ = 0.9q + q³/6, mean-field a₀ = 1):
#   tau0.4:   τ = 0.4, α = 0.3 (less noise; a/√m saturates near 0.53 at m = 25, so the levels
#             are c = 0.25…0.45);
#   alpha0.5: τ = 0.6, α = 0.5 (more data; a/√m passes 0.9; c = 0.3…0.6 as in Figure 5).
# DMFT by the ratio solver (--nodes 96 --clustering 5 --tolerance 1e-5; at m = 25, L = 128
# changes a/√m by ≤ 1e-3 in the τ = 0.4 setting) for m = 25, 50, 100, 200 to t = 20·m or until
# the solver stops on a rising train error (docs/long-time.md); each run's sidecar records
# where it stopped (solver.stopped_at).
# Writes data/onset-settings/<setting>/dmft-m<M>.csv/.json and onset/{onset,fit,window}.csv,
# onset/summary.txt. Runs whose sidecar has its checksum are kept.
# Usage: bash Examples/onset-settings.sh [settings...]   (default tau0.4 alpha0.5)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
swift build -c release --product dmft >/dev/null
dmft=.build/release/dmft
settings=("$@"); [ ${#settings[@]} -gt 0 ] || settings=(tau0.4 alpha0.5)
h=0.9,0,0.16666666666666666
done_already() { grep -qs csv_sha256 "${1%.csv}.json"; }
for setting in "${settings[@]}"; do
  case $setting in
    tau0.4) physics=(--noise 0.4 --alpha 0.3) levels=0.25,0.3,0.35,0.4,0.45 ;;
    alpha0.5) physics=(--noise 0.6 --alpha 0.5) levels=0.3,0.4,0.5,0.6 ;;
    *) echo "unknown setting '$setting' (tau0.4 or alpha0.5)" >&2; exit 2 ;;
  esac
  dir=data/onset-settings/$setting
  mkdir -p "$dir/onset"
  runs=()
  for m in 25 50 100 200; do
    run=$dir/dmft-m$m.csv
    if ! done_already "$run"; then
      $dmft solve --solver ratio --nodes 96 --clustering 5 --tolerance 1e-5 "${physics[@]}" \
        --init meanfield --a0 1 --h "$h" --phihat "$h" --width "$m" --tmax $((20 * m)) --out "$run"
      python3 Examples/lib/provenance.py checksum "$run"
    fi
    runs+=("$run")
  done
  $dmft onset "${runs[@]}" --levels "$levels" --out-dir "$dir/onset" > "$dir/onset/summary.txt"
  echo "== $setting"
  cat "$dir/onset/summary.txt"
done

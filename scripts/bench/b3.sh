#!/usr/bin/env bash
# B3: the whole `dmft simulate --model network` command at d = 200, m = 100, α = 0.3
# (n = 6000), batch 100, h = φ̂ = 0.9q + q³/6, against the same SGD step in plain numpy
# (scripts/bench/b3_numpy.py), both timed here, interleaved, best of REPEAT wall times.
# numpy is run with its default BLAS threading and with one BLAS thread; the faster is the
# baseline. Throughput is realisation-steps per second (runs × steps / wall time).
#
# Usage: scripts/bench/b3.sh [REPEAT] [extra dmft simulate flags, e.g. --record-log 10]
# Environment: RUNS (default 10), TMAX (default 20), NUMPY_RUNS (default 2), NUMPY_THREADS
# ("default 1": both numpy configurations; "1" skips numpy's default threading, which is very
# slow when other processes load the cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
repeat=${1:-3}
shift $(( $# > 0 ? 1 : 0 ))
runs=${RUNS:-10} tmax=${TMAX:-20} numpy_runs=${NUMPY_RUNS:-2} numpy_threads=${NUMPY_THREADS:-default 1}
swift build -c release --product dmft >/dev/null
dmft=.build/release/dmft
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
h=0.9,0,0.16666666666666666
cmd=("$dmft" simulate --model network --width 100 --alpha 0.3 --noise 0.6 --h "$h" --phihat "$h"
     --dim 200 --batch 100 --lr 0.1 --runs "$runs" --tmax "$tmax" "$@" --out "$tmp/b3.csv")
steps=$(python3 -c "print(round($tmax / (0.1 * 200 / round(0.3 * 100 * 200))))")
now() { date +%s.%N; }
best_dmft=1e300 best_np=1e300 best_np1=1e300
for _ in $(seq "$repeat"); do
  start=$(now); "${cmd[@]}" 2>/dev/null; wall=$(python3 -c "print($(now) - $start)")
  best_dmft=$(python3 -c "print(min($best_dmft, $wall))")
  for threads in $numpy_threads; do
    if [ "$threads" = 1 ]; then env_threads=(env OPENBLAS_NUM_THREADS=1); else env_threads=(env); fi
    start=$(now)
    "${env_threads[@]}" python3 scripts/bench/b3_numpy.py --steps "$steps" --runs "$numpy_runs" --repeat 1 >/dev/null
    wall=$(python3 -c "print($(now) - $start)")
    if [ "$threads" = 1 ]; then best_np1=$(python3 -c "print(min($best_np1, $wall))")
    else best_np=$(python3 -c "print(min($best_np, $wall))"); fi
  done
done
rows=$(($(wc -l < "$tmp/b3.csv") - 1))
python3 - "$runs" "$steps" "$numpy_runs" "$best_dmft" "$best_np" "$best_np1" "$rows" "$repeat" "${cmd[*]}" <<'PY'
import sys
runs, steps, np_runs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
dmft, np_default, np_one, rows, repeat = map(float, sys.argv[4:9])
cmd = sys.argv[9]
d = runs * steps / dmft
n_default, n_one = np_runs * steps / np_default, np_runs * steps / np_one  # 0 when not run
base = max(n_default, n_one)
print(f"B3, {steps} steps per realisation, best of {int(repeat)} wall times (whole processes)")
print(f"dmft  {runs} runs, {int(rows)} rows: {d:8.0f} realisation-steps/s ({dmft:.2f} s)")
print(f"  {cmd}")
for name, rate, wall in [("default BLAS threads", n_default, np_default), ("1 BLAS thread", n_one, np_one)]:
    if wall < 1e299:
        print(f"numpy {np_runs} runs, {name + ':':21} {rate:8.0f} realisation-steps/s ({wall:.2f} s)")
print(f"ratio dmft / best numpy: {d / base:.2f}")
PY

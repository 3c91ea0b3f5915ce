#!/usr/bin/env bash
# End-to-end checks of the built `dmft` tool: the default example runs and writes a
# CSV with the contract header; bad input exits non-zero with a message and writes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
swift build -c release --product dmft
dmft=.build/release/dmft
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "smoke: FAIL: $*" >&2; exit 1; }

$dmft example --out "$tmp/example.csv" >"$tmp/example.out"
head -1 "$tmp/example.csv" | grep -qx 't,e_train,e_test,a,gamma,v,Cd_t0,Co_tt,nu' || fail "example CSV header"
[ -s "$tmp/example.json" ] || fail "example sidecar missing"
grep -q '<svg' "$tmp/example.svg" || fail "example figure missing"
grep -qF "figure: $tmp/example.svg" "$tmp/example.out" || fail "example did not say where its figure is"
if command -v rsvg-convert >/dev/null; then [ -s "$tmp/example.png" ] || fail "example PNG missing"; fi

$dmft solve --width 20 --alpha 0.3 --noise 0.6 --init lazy --gamma0 1 --h 0.9,0.5 \
  --freeze-second-layer --dt 0.01 --tmax 1 --out "$tmp/lazy.csv" 2>/dev/null || fail "lazy solve"
[ "$(wc -l < "$tmp/lazy.csv")" -eq 102 ] || fail "lazy solve row count"

# Round trip: the sidecar alone reproduces the run (every command and mode: scripts/provenance.sh).
$dmft solve --config "$tmp/lazy.json" --out "$tmp/again.csv" 2>/dev/null || fail "config rerun"
cmp -s "$tmp/lazy.csv" "$tmp/again.csv" || fail "config rerun differs"
DMFT=$dmft bash scripts/provenance.sh

# Long-time solver: error estimate in the sidecar; Ctrl-C (SIGINT) and SIGTERM keep a
# checkpoint, --resume finishes the run with the same numbers as an uninterrupted one.
long=(solve --solver long --width 20 --phihat 0.9,0,0.16666666666666666 --tmax 30 --tolerance 1e-4)
$dmft "${long[@]}" --out "$tmp/long.csv" 2>/dev/null || fail "long solve"
grep -q '"error_estimate"' "$tmp/long.json" || fail "long solve: no error estimate in the sidecar"
for signal in INT TERM; do
  $dmft "${long[@]}" --checkpoint "$tmp/long.ckpt" --checkpoint-every 0 --out "$tmp/resumed.csv" 2>"$tmp/err" &
  pid=$!
  for _ in $(seq 100); do [ -s "$tmp/long.ckpt" ] && break; sleep 0.1; done
  kill -$signal $pid
  if wait $pid; then fail "long solve finished before SIG$signal could interrupt it"; fi
  grep -q "the state is saved in" "$tmp/err" || fail "SIG$signal did not save the checkpoint: $(cat "$tmp/err")"
  [ -s "$tmp/long.ckpt" ] || fail "long solve stopped by SIG$signal left no checkpoint"
  [ ! -e "$tmp/resumed.csv" ] || fail "long solve stopped by SIG$signal wrote a CSV"
  $dmft "${long[@]}" --checkpoint "$tmp/long.ckpt" --checkpoint-every 60 --resume --out "$tmp/resumed.csv" 2>/dev/null \
    || fail "resume after SIG$signal"
  cmp -s "$tmp/long.csv" "$tmp/resumed.csv" || fail "run resumed after SIG$signal differs from the uninterrupted one"
  [ ! -e "$tmp/long.ckpt" ] || fail "checkpoint not removed after the resumed run finished"
  rm "$tmp/resumed.csv" "$tmp/resumed.json"
done

# Outputs are all-or-nothing: SIGTERM stops a simulation within about a second and leaves
# no file; a failed run leaves the previous outputs as they were and no temporary files;
# an input is never an output; two runs writing one --out at once leave one run's CSV and
# sidecar together.
mkdir "$tmp/out"
$dmft simulate --model network --runs 4 --tmax 100 --out "$tmp/out/sim.csv" 2>"$tmp/err" &
pid=$!
sleep 1
kill -TERM $pid
start=$(date +%s%N)
if wait $pid; then fail "simulate finished before SIGTERM"; else status=$?; fi
[ $status -eq 143 ] && grep -q "stopped by SIGTERM" "$tmp/err" || fail "simulate did not stop cleanly on SIGTERM ($status)"
[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 1500 ] || fail "simulate took more than a second to stop on SIGTERM"
[ -z "$(ls -A "$tmp/out")" ] || fail "simulate stopped by SIGTERM left files: $(ls -A "$tmp/out")"
cp "$tmp/lazy.csv" "$tmp/lazy.json" "$tmp/out/"
if $dmft solve --width 100 --init lazy --gamma0 1 --h 0.9,0.5 --dt 0.05 --tmax 5 --out "$tmp/out/lazy.csv" 2>/dev/null; then
  fail "diverging solve accepted"
fi
cmp -s "$tmp/lazy.csv" "$tmp/out/lazy.csv" && cmp -s "$tmp/lazy.json" "$tmp/out/lazy.json" || fail "failed run changed the outputs"
[ "$(ls -A "$tmp/out")" = "$(printf 'lazy.csv\nlazy.json')" ] || fail "failed run left files: $(ls -A "$tmp/out")"
if $dmft plot "$tmp/out/lazy.csv" --out "$tmp/out/../out/lazy.csv" 2>/dev/null; then fail "plot overwrote its input"; fi
cmp -s "$tmp/lazy.csv" "$tmp/out/lazy.csv" || fail "plot --out its input changed the input"
for _ in 1 2 3; do
  for tmax in 1 2; do
    $dmft solve --width 20 --tmax $tmax --dt 0.01 --out "$tmp/out/race.csv" 2>/dev/null &
  done
  wait
  rows=$(($(wc -l < "$tmp/out/race.csv") - 1))
  grep -q "\"rows\" : $rows," "$tmp/out/race.json" || fail "concurrent runs left a CSV ($rows rows) beside another run's sidecar"
done
[ "$(ls -A "$tmp/out" | grep -c race)" -eq 2 ] || fail "concurrent runs left files: $(ls -A "$tmp/out")"

# m → ∞ theories: each regime writes a CSV with its time axis in the sidecar; the lazy-1
# curve overlays finite-m runs on t*m and is refused on another axis.
lazy=(--init lazy --gamma0 1 --h 0.9,0,0.1666667 --phihat 0.9,0,0.1666667 --noise 0.5)
$dmft asymptotics lazy-1 "${lazy[@]}" --out "$tmp/lz1.csv" >/dev/null 2>&1 || fail "asymptotics lazy-1"
grep -q '"time_axis" : "t\*m"' "$tmp/lz1.json" || fail "lazy-1 sidecar has no time axis"
$dmft asymptotics lazy-2 "${lazy[@]}" --tmax 3 --out "$tmp/lz2.csv" 2>/dev/null || fail "asymptotics lazy-2"
$dmft asymptotics pspin --h 0.5,0,0.5 --noise 1 --alpha 0.5 --out "$tmp/ps.csv" >/dev/null 2>&1 || fail "asymptotics pspin"
$dmft asymptotics infinite-width --phihat 0.9,0,0.1666667 --tmax 1 --out "$tmp/iw.csv" 2>/dev/null || fail "asymptotics infinite-width"
$dmft asymptotics mean-field --phihat 0.9,0,0.1666667 --index-count 2 --type-a0 0.5,2 --type-weights 0.3,0.7 \
  --tmax 2 --out "$tmp/mf.csv" 2>/dev/null || fail "asymptotics mean-field (k = 2, two types)"
$dmft solve "${lazy[@]}" --width 25 --freeze-second-layer --tmax 0.2 --dt 0.0004 --out "$tmp/m25.csv" 2>/dev/null || fail "lazy m = 25"
$dmft plot "$tmp/m25.csv" "$tmp/lz1.csv" --time-axis 't*m' --out "$tmp/overlay.svg" 2>/dev/null || fail "overlay plot"
if $dmft plot "$tmp/m25.csv" "$tmp/lz1.csv" --out "$tmp/wrong.svg" 2>/dev/null; then fail "m → ∞ curve plotted on the wrong time axis"; fi
if $dmft asymptotics pspin "${lazy[@]}" --out "$tmp/bad.csv" 2>/dev/null; then fail "pspin accepted a lazy single-index problem"; fi

# Threshold: a small m = ∞ scan far from the threshold (ε = 1e-3) ends with a fit and its files.
$dmft threshold --init lazy --gamma0 1 --h 0.9,0,0.1666667 --noise 0.5 --limit lazy-2 --epsilon 1e-3 \
  --values 0.1,0.2,0.3,0.4,0.5 --out-dir "$tmp/thr" --no-png >"$tmp/thr.out" 2>/dev/null || fail "threshold"
grep -q 'alpha\* = ' "$tmp/thr.out" || fail "threshold printed no fit"
for f in relaxation-times.csv fit.json threshold.svg; do [ -s "$tmp/thr/$f" ] || fail "threshold: no $f"; done
if $dmft threshold --scan gamma0 --values 1,2,3,4 --out-dir "$tmp/thr2" 2>/dev/null; then fail "gamma0 scan with mean-field init accepted"; fi

expect_refusal() {
  local what=$1; shift
  if $dmft solve "$@" --out "$tmp/bad.csv" 2>"$tmp/err"; then fail "$what was accepted"; fi
  grep -q . "$tmp/err" || fail "$what: no message"
  [ ! -e "$tmp/bad.csv" ] || fail "$what: wrote a CSV"
}
echo '{"problem": {"widht": 7}}' > "$tmp/typo.json"
expect_refusal "misspelt config key" --config "$tmp/typo.json"
expect_refusal "negative h coefficient" --h 0.9,-0.1
expect_refusal "unknown init" --init sideways
expect_refusal "non-numeric h" --h 0.9,x
expect_refusal "diverging step" --width 100 --init lazy --gamma0 1 --h 0.9,0.5 --dt 0.05 --tmax 5
expect_refusal "--dt with the long solver" --solver long --dt 0.1
expect_refusal "--resume without a checkpoint" --solver long --resume
echo "smoke: all checks passed"

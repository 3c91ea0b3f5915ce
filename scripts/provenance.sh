#!/usr/bin/env bash
# Provenance end to end: every command and mode, run with non-default settings, is rerun
# from its sidecar with only --config and --out/--out-dir and must write the same CSVs byte
# for byte. Called by scripts/smoke.sh (which builds dmft); each run takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."
dmft=${DMFT:-.build/release/dmft}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "provenance: FAIL: $*" >&2; exit 1; }

# rerun NAME [COMMAND…]: runs `dmft COMMAND --config $tmp/NAME.json --out $tmp/NAME-again.csv`
# and compares the CSVs.
rerun() {
  local name=$1; shift
  "$dmft" "$@" --config "$tmp/$name.json" --out "$tmp/$name-again.csv" >/dev/null 2>"$tmp/err" \
    || fail "$name: rerun from the sidecar failed: $(cat "$tmp/err")"
  cmp -s "$tmp/$name.csv" "$tmp/$name-again.csv" || fail "$name: the rerun from the sidecar differs"
}
run() {
  local name=$1; shift
  "$dmft" "$@" --out "$tmp/$name.csv" >/dev/null 2>"$tmp/err" || fail "$name: $(cat "$tmp/err")"
}

problem=(--width 12 --alpha 0.4 --noise 0.5 --h 0.9,0,0.2 --phihat 0.8,0,0.1)
run uniform solve "${problem[@]}" --freeze-second-layer --dt 0.02 --tmax 1.5
rerun uniform solve
run uniform-default solve "${problem[@]}" --tmax 1   # --dt from the stability limit, recorded
rerun uniform-default solve
run long solve "${problem[@]}" --solver long --tolerance 3e-4 --tmax 6
rerun long solve
run ratio solve "${problem[@]}" --solver ratio --tolerance 1e-5 --nodes 40 --clustering 3 --integrator explicit --tmax 3
rerun ratio solve
run ratio-implicit solve "${problem[@]}" --solver ratio --tolerance 1e-5 --nodes 40 --tmax 3
rerun ratio-implicit solve

run gaussian simulate "${problem[@]}" --model gaussian --dim 20 --runs 2 --seed 5 --lr 0.025 --record-every 0.1 --tmax 0.5
rerun gaussian simulate
run network simulate "${problem[@]}" --model network --dim 40 --runs 3 --seed 7 --lr 0.05 --batch 16 --test-samples 30 \
  --record-every 0.05 --tmax 0.5
rerun network simulate

lazy=(--init lazy --gamma0 1.2 --h 0.9,0,0.1666667 --phihat 0.9,0,0.1666667 --noise 0.5)
run mean-field asymptotics mean-field --phihat 0.9,0,0.1666667 --a0 0.7 --index-count 2 --type-a0 0.5,2 \
  --type-weights 0.3,0.7 --tmax 2 --dt 0.05
rerun mean-field asymptotics mean-field
run lazy-1 asymptotics lazy-1 "${lazy[@]}" --tmax 3 --dt 0.05
rerun lazy-1 asymptotics lazy-1
run lazy-2 asymptotics lazy-2 "${lazy[@]}" --tmax 3 --tolerance 1e-3
rerun lazy-2 asymptotics lazy-2
run pspin asymptotics pspin --h 0.5,0,0.5 --noise 1 --alpha 0.5 --tmax 2 --dt 0.1
rerun pspin asymptotics pspin
run infinite-width asymptotics infinite-width --phihat 0.9,0,0.1666667 --tmax 0.8 --dt 0.02
rerun infinite-width asymptotics infinite-width

# compare: compare.json reruns the whole comparison; dmft.json and network.json are the
# sidecars of solve and simulate.
"$dmft" compare "${problem[@]}" --models gaussian,network --dim 20 --runs 2 --seed 3 --lr 0.025 --batch 16 \
  --record-every 0.1 --tmax 0.5 --dt 0.02 --window 0.1,0.4 --time-axis t/m --log-time --no-png \
  --out-dir "$tmp/cmp" >/dev/null 2>"$tmp/err" || fail "compare: $(cat "$tmp/err")"
"$dmft" compare --config "$tmp/cmp/compare.json" --out-dir "$tmp/cmp-again" >/dev/null 2>"$tmp/err" \
  || fail "compare: rerun from compare.json failed: $(cat "$tmp/err")"
for f in dmft gaussian network combined metrics; do
  cmp -s "$tmp/cmp/$f.csv" "$tmp/cmp-again/$f.csv" || fail "compare: $f.csv of the rerun from compare.json differs"
done
cmp -s "$tmp/cmp/figure.svg" "$tmp/cmp-again/figure.svg" || fail "compare: figure.svg of the rerun differs"
[ ! -e "$tmp/cmp-again/figure.png" ] || fail "compare: the rerun did not restore --no-png"
cp "$tmp/cmp/dmft.csv" "$tmp/cmp/dmft.json" "$tmp/cmp/network.csv" "$tmp/cmp/network.json" "$tmp/"
rerun dmft solve
rerun network simulate

# threshold: fit.json reruns the scan.
"$dmft" threshold "${lazy[@]}" --limit lazy-2 --scan alpha --values 0.1,0.2,0.3,0.4 --epsilon 1e-3 --tolerance 2e-2 \
  --tmax-start 10 --tmax 200 --max-memory-gb 2 --confidence 0.9 --no-png --out-dir "$tmp/thr" >/dev/null 2>"$tmp/err" \
  || fail "threshold: $(cat "$tmp/err")"
"$dmft" threshold --config "$tmp/thr/fit.json" --out-dir "$tmp/thr-again" >/dev/null 2>"$tmp/err" \
  || fail "threshold: rerun from fit.json failed: $(cat "$tmp/err")"
cmp -s "$tmp/thr/relaxation-times.csv" "$tmp/thr-again/relaxation-times.csv" || fail "threshold: the rerun differs"
cmp -s "$tmp/thr/threshold.svg" "$tmp/thr-again/threshold.svg" || fail "threshold: threshold.svg of the rerun differs"

# A simulate sidecar given to solve: the problem and tmax apply, the simulator's settings are
# ignored and listed in the new sidecar, which itself reruns the solve.
"$dmft" solve --config "$tmp/network.json" --out "$tmp/from-sim.csv" 2>"$tmp/err" || fail "simulate sidecar to solve: $(cat "$tmp/err")"
tr -d ' \n' < "$tmp/from-sim.json" | grep -q '"ignored_config_keys":\["batch","dim","lr","model","record_every","runs","seed","test_samples"\]' \
  || fail "solve from a simulate sidecar did not record the ignored keys"
rerun from-sim solve
grep -q '"ignored_config_keys" : \[$' "$tmp/from-sim-again.json" || fail "ignored keys of a solve sidecar given to solve"

# Precedence: a flag overrides the config.
"$dmft" solve --config "$tmp/uniform.json" --tmax 0.5 --out "$tmp/override.csv" 2>/dev/null || fail "flag over config"
[ "$(wc -l < "$tmp/override.csv")" -eq 27 ] || fail "--tmax did not override the config's tmax"
# A misspelt settings key is refused; a malformed value is refused naming its key.
echo '{"settings": {"tmx": 3}}' > "$tmp/typo.json"
if "$dmft" solve --config "$tmp/typo.json" --out "$tmp/bad.csv" 2>"$tmp/err"; then fail "misspelt settings key accepted"; fi
grep -q "tmx" "$tmp/err" || fail "misspelt key not named: $(cat "$tmp/err")"
echo '{"settings": {"runs": "ten"}}' > "$tmp/malformed.json"
if "$dmft" simulate --model gaussian --config "$tmp/malformed.json" --out "$tmp/bad.csv" 2>"$tmp/err"; then fail "runs = \"ten\" accepted"; fi
grep -q "key runs" "$tmp/err" || fail "malformed value not named: $(cat "$tmp/err")"
[ ! -e "$tmp/bad.csv" ] || fail "a refused config wrote a CSV"
echo "provenance: all checks passed"

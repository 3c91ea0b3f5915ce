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

$dmft example --out "$tmp/example.csv" >/dev/null
head -1 "$tmp/example.csv" | grep -qx 't,e_train,e_test,a,gamma,v,Cd_t0,Co_tt,nu' || fail "example CSV header"
[ -s "$tmp/example.json" ] || fail "example sidecar missing"

$dmft solve --width 20 --alpha 0.3 --noise 0.6 --init lazy --gamma0 1 --h 0.9,0.5 \
  --freeze-second-layer --dt 0.01 --tmax 1 --out "$tmp/lazy.csv" 2>/dev/null || fail "lazy solve"
[ "$(wc -l < "$tmp/lazy.csv")" -eq 102 ] || fail "lazy solve row count"

# Round trip: the sidecar's problem reproduces the run.
$dmft solve --config "$tmp/lazy.json" --dt 0.01 --tmax 1 --out "$tmp/again.csv" 2>/dev/null || fail "config rerun"
cmp -s "$tmp/lazy.csv" "$tmp/again.csv" || fail "config rerun differs"

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
echo "smoke: 7 passed, 0 failed"

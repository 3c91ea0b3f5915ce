#!/usr/bin/env bash
# Bad input over every subcommand and every input file type. Each line of the table at the
# end is a command line (dmft, or dmft-bench as `bench`) that must be refused: exit status
# 1…123 (a message, not a signal or a timeout), something on stderr, within 2 s, and the
# working directory (a scratch directory holding the fixture files) unchanged, by listing
# and checksum. Prints the number of cases and the wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
swift build -c release --product dmft >/dev/null
swift build -c release --product dmft-bench >/dev/null
dmft=$PWD/.build/release/dmft
bench=$PWD/.build/release/dmft-bench
work=$(mktemp -d)
logs=$(mktemp -d)
trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work" "$logs"' EXIT
cd "$work"
start=$(date +%s%N)

# Fixtures: a valid run (CSV, sidecar = config, checkpoint) and broken copies of each.
$dmft solve --width 5 --tmax 1 --dt 0.1 --out valid.csv 2>/dev/null
$dmft solve --solver long --width 20 --phihat 0.9,0,0.16666666666666666 --tmax 30 --tolerance 1e-4 \
  --checkpoint valid.ckpt --checkpoint-every 0 --out ck.csv 2>/dev/null &
pid=$!
for _ in $(seq 100); do [ -s valid.ckpt ] && break; sleep 0.05; done
kill -TERM $pid; wait $pid 2>/dev/null || true
[ -s valid.ckpt ] || { echo "bad-inputs: could not make a checkpoint" >&2; exit 1; }
size=$(stat -c %s valid.ckpt)
head -c $((size / 2)) valid.ckpt > truncated.ckpt
cp valid.ckpt flipped.ckpt
printf '\x55' | dd of=flipped.ckpt bs=1 seek=$((size / 3)) conv=notrunc 2>/dev/null
head -c 10 valid.ckpt > magic-only.ckpt
printf 'DMFTCKPT1\n0123456789' > old.ckpt
head -c 4096 /dev/urandom > garbage.ckpt
: > empty.ckpt

printf '' > empty.csv
printf 't,e_train,e_test\n' > header.csv
printf 't,a,b\n0,1,2\n1,2\n' > ragged.csv
printf 't,a\n0,1\n1,x\n' > nonnum.csv
printf 't,a\n0,1\n1,nan\n' > nan.csv
printf 't,a\n0,1\n1,inf\n' > inf.csv
printf 't,a\n0,1e308\n1,-1e308\n' > huge.csv
printf 't,a,a\n0,1,2\n1,2,3\n' > dup.csv
printf 't,,a\n0,1,2\n' > noname.csv
printf 'x,a\n0,1\n' > not-t.csv
printf 't,a\n1,1\n0,2\n' > decreasing.csv
# bom.csv and unreadable.csv hold no column any figure draws ("t,a" alone is a drawable
# mean-field-ODE curve): a BOM is read as UTF-8, and root can read a mode-000 file.
printf '\xef\xbb\xbft,zzz\n0,1\n' > bom.csv
printf 't,a\n0,1\n1,\xff\xfe\n' > latin.csv
head -c 2048 /dev/urandom > binary.csv
mkdir dir.csv dir.json sub
mkfifo fifo.csv
printf 't,zzz\n0,1\n' > unreadable.csv && chmod 000 unreadable.csv
for w in 0 -3 1e300 '"abc"' 2.5; do
  name=w$(printf '%s' "$w" | tr -dc 'a-z0-9')
  cp valid.csv "$name.csv"; printf '{"problem": {"width": %s}, "solver": {"name": "uniform-euler"}}' "$w" > "$name.json"
done
cp valid.csv garbage-sidecar.csv; head -c 100 /dev/urandom > garbage-sidecar.json

printf '' > empty.json
printf 'not json' > text.json
printf '[1, 2]' > array.json
printf '"alpha"' > string.json
printf 'null' > null.json
printf '{"width": 5' > truncated.json
printf '{"width": "five"}' > width-string.json
printf '{"width": -3}' > width-negative.json
printf '{"width": 1e300}' > width-huge.json
printf '{"width": 2.5}' > width-fraction.json
printf '{"alpha": 1e400}' > alpha-overflow.json
printf '{"alpha": -1}' > alpha-negative.json
printf '{"alpha": "0.3"}' > alpha-string.json
printf '{"noise": true}' > noise-bool.json
printf '{"h": 0.9}' > h-number.json
printf '{"h": []}' > h-empty.json
printf '{"h": ["a"]}' > h-strings.json
printf '{"h": [1e308, 1e308]}' > h-huge.json
printf '{"init": 5}' > init-number.json
printf '{"init": "sideways"}' > init-unknown.json
printf '{"freeze_second_layer": 1}' > freeze-number.json
printf '{"freeze_first_layer": "yes"}' > freeze-first-string.json
printf '{"weight_decay": -0.5}' > decay-negative.json
printf '{"lr_ratio": 0}' > ratio-zero.json
printf '{"freeze_first_layer": true, "freeze_second_layer": true}' > both-frozen.json
printf '{"hermite_degree": 1000, "activation": "tanh"}' > degree-huge.json
printf '{"widht": 7}' > typo.json
printf '{"problem": {"init": "lazy", "gamma0": 1e9}}' > gamma-huge.json
printf '{"activation": "relu", "phihat": [0.9]}' > activation-phihat.json
python3 -c 'print("[" * 100000 + "]" * 100000)' > deep.json
head -c 3000 /dev/urandom > binary.json
printf '{"a0": 1}' > unreadable.json && chmod 000 unreadable.json
printf 'command: solve\nbase: {width: 5, tmax: 1, dt: 0.1}\naxes:\n  alpha: 0.2:0.4:2\n' > valid-scan.yaml
printf 'command: solve\nbase:\n  alpah: 0.3\naxes:\n  alpha: [0.1]\n' > scan-typo.yaml
printf 'command: solve\naxes:\n  alpha: [0.1, -2]\n' > scan-value.yaml
printf 'command: solve\nbase:\n  tmax: [1\naxes:\n  alpha: [0.1]\n' > scan-malformed.yaml
printf 'command: solve\naxes:\n  widht: 1,2\n' > scan-axis.yaml
printf 'command: solve\naxes:\n  seed: 1,2\n' > scan-same.yaml
printf 'command: solve\naxes:\n  alpha: 0.1,0.2\n  noise: 0.1,0.2,0.3\ncombine: zip\n' > scan-zip.yaml
printf '{"command": "solve", "axes": {"width": "five"}}' > scan-json.json
touch file-not-dir
before=$( (ls -lAR --time-style=+%s%N . ; find . -type f -readable -exec md5sum {} + | sort) 2>&1)

cases=0
failures=0
fail() { echo "bad-inputs: FAIL [$1]: $2" >&2; failures=$((failures + 1)); }
while IFS= read -r line; do
  [[ -z "$line" || "$line" == \#* ]] && continue
  eval "set -- $line"
  tool=$1; shift
  [ "$tool" = bench ] && program=$bench || program=$dmft
  cases=$((cases + 1))
  t0=$(date +%s%N)
  set +e
  timeout 10 "$program" "$@" >"$logs/out" 2>"$logs/err" </dev/null
  status=$?
  set -e
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  message=$(head -c 300 "$logs/err")
  if [ $status -eq 0 ]; then fail "$line" "accepted"
  elif [ $status -ge 124 ]; then fail "$line" "exit status $status (signal or timeout): $message"
  elif [ -z "$message" ]; then fail "$line" "no message on stderr"
  elif [ $ms -gt 2000 ]; then fail "$line" "took $ms ms"
  fi
  after=$( (ls -lAR --time-style=+%s%N . ; find . -type f -readable -exec md5sum {} + | sort) 2>&1)
  if [ "$before" != "$after" ]; then
    fail "$line" "changed the working directory: $(diff <(echo "$before") <(echo "$after") | head -5 | tr '\n' ' ')"
    before=$after
  fi
  [ -n "${VERBOSE:-}" ] && printf '%5d ms  %s\n        %s\n' "$ms" "$line" "$message"
done <<'CASES'
# solve: numbers out of range or not finite
dmft solve --width 0
dmft solve --width=-5
dmft solve --width 99999999999
dmft solve --width abc
dmft solve --width 1.5
dmft solve --alpha 0
dmft solve --alpha=-0.3
dmft solve --alpha nan
dmft solve --alpha inf
dmft solve --alpha 1e300
dmft solve --alpha ''
dmft solve --noise=-1
dmft solve --noise nan
dmft solve --noise 1e10
dmft solve --a0 nan
dmft solve --a0 1e300
dmft solve --init lazy --gamma0 inf
dmft solve --init lazy --gamma0 1e5
dmft solve --h ''
dmft solve --h ,
dmft solve --h 0.9,,0.1
dmft solve --h 0.9,x
dmft solve --h 0.9,-0.1
dmft solve --h 0
dmft solve --h nan
dmft solve --h 1e400
dmft solve --h 0.9 --phihat 0,0.5
dmft solve --phihat 0.9,inf
dmft solve --phihat 0.9 --phi-norm2 0.1
dmft solve --phi-norm2=-1
dmft solve --phi-norm2 0.5
dmft solve --init sideways
dmft solve --init ''
dmft solve --activation sigmoid
dmft solve --activation hermite:
dmft solve --activation hermite:1e308
dmft solve --activation tanh --hermite-degree 0
dmft solve --activation tanh --hermite-degree 1000
dmft solve --activation relu --target sideways
dmft solve --dt 0
dmft solve --dt=-0.1
dmft solve --dt nan
dmft solve --dt 1e-12
dmft solve --dt 100
dmft solve --tmax 0
dmft solve --tmax=-1
dmft solve --tmax inf
dmft solve --tmax 1e300
dmft solve --tmax 1e6
dmft solve --max-memory-gb 0
dmft solve --max-memory-gb nan
dmft solve --max-memory-gb 1e9
dmft solve --max-memory-gb 0.001
dmft solve --width 100 --init lazy --gamma0 1 --h 0.9,0.5 --dt 0.05 --tmax 5
# solve: flags that do not apply
dmft solve --init lazy --a0 2
dmft solve --gamma0 2
dmft solve --activation relu --phihat 0.9
dmft solve --activation relu --h 0.9
dmft solve --activation relu --phi-norm2 1
dmft solve --target tanh
dmft solve --hermite-degree 8
dmft solve --tolerance 1e-3
dmft solve --nodes 64
dmft solve --clustering 3
dmft solve --integrator exponential
dmft solve --checkpoint-every 5
dmft solve --resume
dmft solve --solver long --dt 0.1
dmft solve --solver long --nodes 64
dmft solve --solver long --resume
dmft solve --solver long --checkpoint-every 10
dmft solve --solver ratio --dt 0.1
dmft solve --solver ratio --checkpoint ck
dmft solve --solver sideways
# solve: solver settings
dmft solve --solver long --tolerance 0
dmft solve --solver long --tolerance 2
dmft solve --solver long --tolerance 1e-300
dmft solve --solver long --tmax 1e300
dmft solve --solver long --tmax 20000
dmft solve --solver long --checkpoint-every=-1 --checkpoint ck
dmft solve --solver ratio --nodes 4
dmft solve --solver ratio --nodes 100000
dmft solve --solver ratio --clustering 0.1
dmft solve --solver ratio --clustering nan
dmft solve --solver ratio --tmax 1e300
dmft solve --solver ratio --integrator exponential
# solve: files
dmft solve --config missing.json
dmft solve --config dir.json
dmft solve --config ''
dmft solve --config empty.json
dmft solve --config text.json
dmft solve --config array.json
dmft solve --config string.json
dmft solve --config null.json
dmft solve --config truncated.json
dmft solve --config width-string.json
dmft solve --config width-negative.json
dmft solve --config width-huge.json
dmft solve --config width-fraction.json
dmft solve --config alpha-overflow.json
dmft solve --config alpha-negative.json
dmft solve --config alpha-string.json
dmft solve --config noise-bool.json
dmft solve --config h-number.json
dmft solve --config h-empty.json
dmft solve --config h-strings.json
dmft solve --config h-huge.json
dmft solve --config init-number.json
dmft solve --config init-unknown.json
dmft solve --config freeze-number.json
dmft solve --config freeze-first-string.json
dmft solve --config decay-negative.json
dmft solve --config ratio-zero.json
dmft solve --config both-frozen.json
dmft solve --weight-decay=-0.1
dmft solve --weight-decay nan
dmft solve --weight-decay inf
dmft solve --lr-ratio 0
dmft solve --lr-ratio=-1
dmft solve --lr-ratio nan
dmft solve --freeze-first-layer --freeze-second-layer
dmft solve --freeze-second-layer --weight-decay 0.1
dmft solve --freeze-second-layer --lr-ratio 2
dmft solve --solver ratio --freeze-first-layer
dmft simulate --model gaussian --freeze-first-layer --freeze-second-layer
dmft simulate --model network --weight-decay=-1
dmft simulate --model network --lr-ratio 0
dmft solve --config degree-huge.json
dmft solve --config typo.json
dmft solve --config gamma-huge.json
dmft solve --config activation-phihat.json
dmft solve --config deep.json
dmft solve --config binary.json
dmft solve --config valid.csv
dmft solve --config file-not-dir/x.json
dmft solve --config valid.json --out valid.json
dmft solve --config valid.json --out valid.csv --width 5 --tmax 1e300
dmft solve --out ''
dmft solve --out sub/
dmft solve --out dir.csv
dmft solve --out file-not-dir/run.csv
dmft solve --out run.json
dmft solve --out fifo.csv
dmft solve --config fifo.csv
dmft solve --solver long --resume --checkpoint missing.ckpt
dmft solve --solver long --resume --checkpoint dir.csv
dmft solve --solver long --resume --checkpoint empty.ckpt
dmft solve --solver long --resume --checkpoint garbage.ckpt
dmft solve --solver long --resume --checkpoint truncated.ckpt
dmft solve --solver long --resume --checkpoint flipped.ckpt
dmft solve --solver long --resume --checkpoint magic-only.ckpt
dmft solve --solver long --resume --checkpoint old.ckpt
dmft solve --solver long --resume --checkpoint valid.ckpt
dmft solve --solver long --checkpoint missing-dir/ck
dmft solve --solver long --checkpoint dir.csv
dmft solve --solver long --checkpoint valid.ckpt --out valid.ckpt
# example
dmft example --out ''
dmft example --out dir.csv
dmft example --out file-not-dir/x.csv
dmft example --out x.json
dmft example --max-memory-gb 0.001
dmft example --width 5
# simulate
dmft simulate
dmft simulate --model sideways
dmft simulate --model network --dim 0
dmft simulate --model network --dim 1
dmft simulate --model network --dim 1000000000
dmft simulate --model network --lr 0
dmft simulate --model network --lr=-0.1
dmft simulate --model network --lr nan
dmft simulate --model network --lr 1e-12
dmft simulate --model network --lr 1e300
dmft simulate --model network --tmax 1e300
dmft simulate --model network --tmax 0
dmft simulate --model network --runs 0
dmft simulate --model network --runs=-1
dmft simulate --model network --batch 0
dmft simulate --model network --batch 100000
dmft simulate --model network --record-every 0
dmft simulate --model network --record-every 1e-9
dmft simulate --model network --record-every 100
dmft simulate --model network --record-log 0
dmft simulate --model network --record-log 5 --record-every 0.5
dmft simulate --model gaussian --record-log 5
dmft simulate --model network --test-samples=-1
dmft simulate --model network --test-samples 1000000000
dmft simulate --model network --seed=-1
dmft simulate --model network --seed 1.5
dmft simulate --model network --width 1000000 --dim 100000
dmft simulate --model network --alpha 1e-9
dmft simulate --model network --activation tanh --phihat 0.9
dmft simulate --model network --activation tanh --target relu --h 0.5
dmft simulate --model network --max-memory-gb 0.0001
dmft simulate --model gaussian --batch 10
dmft simulate --model gaussian --test-samples 10
dmft simulate --model gaussian --tmax 1 --lr 0.3
dmft simulate --model gaussian --record-every 0.03
dmft simulate --model gaussian --h 0,0,0,0,0,0,0,0,0,1
dmft simulate --model gaussian --dim 100000
dmft simulate --model gaussian --tmax 1e300
dmft simulate --model network --config garbage-sidecar.json
dmft simulate --model network --out dir.csv
# compare
dmft compare --models ''
dmft compare --models sideways
dmft compare --models network,network
dmft compare --models gaussian --batch 10
dmft compare --window 5,1
dmft compare --window a,b
dmft compare --window 1
dmft compare --window nan,1
dmft compare --dt 0
dmft compare --dt 1e-12
dmft compare --solver sideways
dmft compare --solver ratio --dt 0.1
dmft compare --solver long --tolerance 0
dmft compare --solver ratio --nodes 3
dmft compare --solver uniform --nodes 64
dmft compare --solver ratio --tmax 1e300
dmft compare --tmax 1e300
dmft compare --runs 0
dmft compare --lr 0
dmft compare --out-dir valid.csv
dmft compare --out-dir ''
dmft compare --time-axis t*x
dmft compare --init lazy --a0 1
dmft compare --config text.json
dmft compare --max-memory-gb=-1
# threshold
dmft threshold
dmft threshold --values ''
dmft threshold --values 0.1,0.2,0.3
dmft threshold --values 0.1,0.1,0.2,0.3
dmft threshold --values 0.1,0.2,0.3,-0.4
dmft threshold --values 0.1,0.2,0.3,nan
dmft threshold --values 0.1,0.2,0.3,x
dmft threshold --values 0.1,0.2,0.3,0.4 --confidence 1.5
dmft threshold --values 0.1,0.2,0.3,0.4 --confidence 0
dmft threshold --values 0.1,0.2,0.3,0.4 --epsilon 2
dmft threshold --values 0.1,0.2,0.3,0.4 --tolerance 0
dmft threshold --values 0.1,0.2,0.3,0.4 --tmax-start 0
dmft threshold --values 0.1,0.2,0.3,0.4 --tmax 10 --tmax-start 20
dmft threshold --values 0.1,0.2,0.3,0.4 --tmax 1e300
dmft threshold --values 0.1,0.2,0.3,0.4 --max-memory-gb 0
dmft threshold --values 0.1,0.2,0.3,0.4 --noise 0
dmft threshold --values 0.1,0.2,0.3,0.4 --alpha 0.3
dmft threshold --values 1,2,3,4 --scan gamma0
dmft threshold --values 1,2,3,4 --scan gamma0 --init lazy --gamma0 2
dmft threshold --values 0.1,0.2,0.3,0.4 --scan beta
dmft threshold --values 0.1,0.2,0.3,0.4 --limit infinite
dmft threshold --values 0.1,0.2,0.3,0.4 --init lazy --limit infinite
dmft threshold --values 0.1,0.2,0.3,0.4 --limit lazy-2
dmft threshold --values 0.1,0.2,0.3,0.4 --init lazy --limit lazy-2 --width 20
dmft threshold --values 0.1,0.2,0.3,0.4 --limit infinite-width
dmft threshold --values 0.1,0.2,0.3,0.4 --init lazy --scan alphabar --limit infinite-width
dmft threshold --values 0.5,0.6,0.7,0.8 --scan alphabar --limit infinite-width --width 20
dmft threshold --values 0.5,0.6,0.7,0.8 --scan alphabar --limit infinite-width --dt 0
dmft threshold --values 0.5,0.6,0.7,0.8 --scan alphabar --limit finite --dt 0.05
dmft threshold --values 0.5,0.6,0.7,0.8 --scan alphabar --widths 10,0
dmft threshold --values 0.5,0.6,0.7,0.8 --scan alphabar --widths 10,20 --width 10
dmft threshold --values 0.5,0.6,0.7,0.8 --scan alphabar --alpha 0.3
dmft threshold --values 0.1,0.2,0.3,0.4 --freeze-second-layer
dmft threshold --values 0.1,0.2,0.3,0.4 --weight-decay 0.1
dmft threshold --values 0.1,0.2,0.3,0.4 --freeze-first-layer
dmft threshold --values 0.1,0.2,0.3,0.4 --out-dir valid.csv
# asymptotics
dmft asymptotics
dmft asymptotics sideways
dmft asymptotics mean-field --dt 1e-12
dmft asymptotics mean-field --tmax 1e300
dmft asymptotics mean-field --dt 0
dmft asymptotics mean-field --index-count 0
dmft asymptotics mean-field --index-count 1000000
dmft asymptotics mean-field --type-a0 0.5,2 --type-weights 0.3
dmft asymptotics mean-field --type-a0 0.5,2 --type-weights 0.5,0.6
dmft asymptotics mean-field --type-a0 0.5,x
dmft asymptotics mean-field --type-weights=-1
dmft asymptotics mean-field --width 10
dmft asymptotics mean-field --tolerance 1e-3
dmft asymptotics lazy-1
dmft asymptotics lazy-1 --init lazy --gamma0 0
dmft asymptotics lazy-1 --init lazy --dt 1e-12
dmft asymptotics lazy-1 --init lazy --index-count 2
dmft asymptotics lazy-1 --init lazy --no-freeze-second-layer
dmft asymptotics lazy-1 --init lazy --weight-decay 0.1
dmft asymptotics lazy-2 --init lazy --lr-ratio 2
dmft asymptotics mean-field --freeze-first-layer
dmft asymptotics infinite-width --freeze-first-layer
dmft asymptotics pspin --h 0.5,0,0.5 --noise 1 --weight-decay 0.1
dmft asymptotics lazy-2 --init lazy --dt 0.1
dmft asymptotics lazy-2 --init lazy --tmax 1e6
dmft asymptotics lazy-2 --init lazy --tolerance 0
dmft asymptotics pspin --phihat 0.9
dmft asymptotics pspin --h 0.9
dmft asymptotics pspin --h 0.5,0,0.5 --noise 1 --dt 1e-9
dmft asymptotics pspin --h 0.5,0,0.5 --noise 1 --tmax 1e300
dmft asymptotics pspin --h 0.5,0,0.5 --noise 1 --freeze-second-layer
dmft asymptotics infinite-width --init lazy
dmft asymptotics infinite-width --dt 1e-9
dmft asymptotics infinite-width --tmax 1e300
dmft asymptotics infinite-width --out dir.csv
# plot
dmft onset
dmft onset missing.csv
dmft onset empty.csv
dmft onset header.csv
dmft onset ragged.csv
dmft onset nonnum.csv
dmft onset valid.csv --levels 0.3
dmft onset valid.csv --levels 0.3,0.3
dmft onset valid.csv --levels 0.3,-1
dmft onset valid.csv --levels 0.3,nan
dmft onset valid.csv --confidence 1
dmft onset valid.csv valid.csv
dmft onset valid.csv --widths 10,20
dmft onset valid.csv --widths 2.5
dmft onset valid.csv --widths 0
dmft plot
dmft plot missing.csv
dmft plot dir.csv
dmft plot unreadable.csv
dmft plot empty.csv
dmft plot header.csv
dmft plot ragged.csv
dmft plot nonnum.csv
dmft plot nan.csv
dmft plot inf.csv
dmft plot huge.csv
dmft plot dup.csv
dmft plot noname.csv
dmft plot not-t.csv
dmft plot decreasing.csv
dmft plot bom.csv
dmft plot latin.csv
dmft plot binary.csv
dmft plot valid.json
dmft plot fifo.csv
dmft plot valid.csv missing.csv
dmft plot w0.csv --time-axis t/m
dmft plot w3.csv
dmft plot w1e300.csv
dmft plot wabc.csv
dmft plot w25.csv
dmft plot garbage-sidecar.csv --time-axis t*m
dmft plot valid.csv --out valid.csv
dmft plot valid.csv --out valid.json
dmft plot valid.csv --out dir.csv
dmft plot valid.csv --out ''
dmft plot valid.csv --out file-not-dir/x.svg
dmft plot valid.csv --png-width 100
dmft plot valid.csv --png --png-width 0
dmft plot valid.csv --png --png-width 1000000
dmft plot valid.csv --columns 0
dmft plot valid.csv --max-markers 1
dmft plot valid.csv --labels a,b
dmft plot valid.csv --widths 0
dmft plot valid.csv --widths x
dmft plot valid.csv --panels sideways
dmft plot valid.csv --time-axis sideways
dmft plot valid.csv --scaling --log-time
dmft plot valid.csv --x-column nosuch
dmft plot valid.csv --x-column t
dmft plot valid.csv --x-column gamma --scaling
dmft plot valid.csv --x-column gamma --time-axis t/m
dmft plot valid.csv --max-memory-gb 0
# scan
dmft scan run
dmft scan run --out-dir s
dmft scan run scan-typo.yaml --out-dir s
dmft scan run scan-value.yaml --out-dir s
dmft scan run scan-malformed.yaml --out-dir s
dmft scan run scan-axis.yaml --out-dir s
dmft scan run scan-same.yaml --out-dir s
dmft scan run scan-zip.yaml --out-dir s
dmft scan run scan-json.json --out-dir s
dmft scan run binary.json --out-dir s
dmft scan run missing.yaml --out-dir s
dmft scan run valid-scan.yaml --out-dir valid.csv
dmft scan run valid-scan.yaml --out-dir file-not-dir/s
dmft scan run valid-scan.yaml --out-dir s --jobs 0
dmft scan run valid-scan.yaml --out-dir s --shard 4/3
dmft scan run valid-scan.yaml --out-dir s --shard x
dmft scan run valid-scan.yaml --out-dir s --vary alpha=1,2
dmft scan run --command train --vary alpha=1,2 --out-dir s
dmft scan run --command solve --vary alpha=0.2:0.6:0 --out-dir s
dmft scan run --command solve --vary alpha --out-dir s
dmft scan run --command solve --vary widht=1,2 --out-dir s
dmft scan run --command solve --vary alpha=1,,2 --out-dir s
dmft scan run --command solve --base typo.json --vary alpha=1,2 --out-dir s
dmft scan run --command solve --vary alpha=1,2 --max-memory-gb 0 --out-dir s
dmft scan run --command asymptotics --vary alpha=1,2 --out-dir s
dmft scan merge missing-dir
dmft scan merge sub
dmft scan status sub
dmft scan slurm valid-scan.yaml --out-dir s --array 0
dmft scan slurm valid-scan.yaml --out-dir s --array 2 --time 1h
dmft scan slurm valid-scan.yaml --out-dir s --array 2 --mem lots
dmft scan slurm scan-typo.yaml --out-dir s --array 2
# top level and the benchmarks
dmft sideways
dmft --width 5
bench b9
bench b1 --repeat 0
bench b1 --repeat x
bench b1 --steps 5
bench b1 --steps 1000000
bench b1 --threads 0
bench b1 --threads x
bench b1 --width 50
bench b2 --width 1
bench b2 --tmax=-1
bench b2 --tolerance nan
bench b3 --tmax 5
bench b1 --repeat
CASES

seconds=$(( ($(date +%s%N) - start) / 1000000 ))
if [ $failures -gt 0 ]; then
  echo "bad-inputs: $failures of $cases cases FAILED ($((seconds / 1000)).$(printf %03d $((seconds % 1000))) s)" >&2
  exit 1
fi
echo "bad-inputs: all $cases bad inputs refused cleanly in $((seconds / 1000)).$(printf %03d $((seconds % 1000))) s"

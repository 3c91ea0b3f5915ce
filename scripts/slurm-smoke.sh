#!/usr/bin/env bash
# A parameter scan really runs under SLURM: on this one machine, start a private single-node
# SLURM cluster (Debian's slurm-wlm with munge authentication), submit the job-array script
# that `dmft scan slurm` writes, wait for it, merge the shards, and check that the merged
# summary.csv and curves.csv equal those of the same scan run locally (wall-time columns
# dropped). Everything (keys, sockets, configuration, state, logs) lives in a temporary
# directory; the daemons are stopped on exit, whatever happened.
#
#   scripts/slurm-smoke.sh            the full check (needs `dmft scan`)
#   scripts/slurm-smoke.sh --trivial  only the cluster: a 3-task `hostname` array job
#
# Environment: DMFT        the dmft binary (default .build/release/dmft; not built here)
#              SLURM_SMOKE_TIMEOUT  seconds allowed for the job array (default 300)
#              SLURM_SMOKE_PORT     the controller's port; the node daemon uses the next one
#                                   (default 16817, away from a system SLURM's 6817/6818)
#              SLURM_SMOKE_KEEP=1   keep the temporary directory
# Needs root (it installs packages and runs the daemons); prints one line
# `slurm-smoke: OK (N points, T s)` or fails with the reason and the daemons' logs.
set -euo pipefail
# DMFT as given, resolved before leaving the caller's directory (a bare name: from PATH).
dmft=""
case "${DMFT:-}" in
  "") ;;
  */*) dmft=$(realpath -m "$DMFT") ;;
  *) dmft=$(command -v "$DMFT" || echo "$DMFT") ;;
esac
cd "$(dirname "$0")/.."
start_time=$(date +%s.%N)

trivial=0
case "${1:-}" in
  "") ;;
  --trivial) trivial=1 ;;
  *) echo "usage: $0 [--trivial]" >&2; exit 2 ;;
esac

[ -n "$dmft" ] || dmft=.build/release/dmft
timeout_s=${SLURM_SMOKE_TIMEOUT:-300}
port=${SLURM_SMOKE_PORT:-16817}
say() { echo "slurm-smoke: $*" >&2; }

tmp=""
pids=()
show_logs() {
  [ -n "$tmp" ] || return 0
  for log in munged.log slurmctld.log slurmd.log; do
    if [ -s "$tmp/log/$log" ]; then
      echo "---- last lines of $log ----" >&2
      tail -n 25 "$tmp/log/$log" >&2
    fi
  done
}
fail() {
  say "FAIL: $*"
  show_logs
  exit 1
}
cleanup() {
  local status=$?
  set +e
  # The daemons were started here and are stopped by their own process ids.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  if [ -n "$tmp" ]; then
    if [ "${SLURM_SMOKE_KEEP:-0}" = 1 ]; then say "kept $tmp"; else rm -rf "$tmp"; fi
  fi
  exit $status
}
trap cleanup EXIT
trap 'fail "interrupted"' INT TERM

# ---- Prerequisites -------------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || fail "needs root, to install slurm-wlm and munge and to run the daemons"
if [ $trivial -eq 0 ]; then
  [ -x "$dmft" ] || fail "no dmft binary at $dmft (build it with 'swift build -c release', or set DMFT)"
  dmft=$(cd "$(dirname "$dmft")" && pwd)/$(basename "$dmft")  # the job script runs elsewhere
  usage=$("$dmft" scan slurm --help 2>&1 || true)
  grep -q -- '--array' <<<"$usage" || fail "$dmft has no 'scan slurm' command (a build without dmft scan?)"
fi
need_install=0
for program in munged mungekey slurmctld slurmd sbatch squeue sinfo scontrol; do
  command -v "$program" >/dev/null 2>&1 || need_install=1
done
if [ $need_install -eq 1 ]; then
  say "installing slurm-wlm and munge with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || fail "apt-get update failed"
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null || fail "apt-get install slurm-wlm munge failed"
fi
for program in python3 timeout; do
  command -v "$program" >/dev/null 2>&1 || fail "$program not found"
done

# ---- A private munge and SLURM configuration -----------------------------------------------
tmp=$(mktemp -d /tmp/dmft-slurm-smoke.XXXXXX)
chmod 755 "$tmp"  # munged refuses a socket directory others can write to
mkdir -p "$tmp/munge" "$tmp/log" "$tmp/state" "$tmp/spool" "$tmp/work"
chmod 700 "$tmp/munge"
mungekey --create --keyfile="$tmp/munge/munge.key" --force >/dev/null 2>&1 \
  || dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chmod 600 "$tmp/munge/munge.key"
socket="$tmp/munge/munge.socket"
munged --force --foreground --socket="$socket" --key-file="$tmp/munge/munge.key" \
  --pid-file="$tmp/munge/munged.pid" --seed-file="$tmp/munge/munged.seed" \
  --log-file="$tmp/log/munged.log" >"$tmp/log/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || fail "munged did not start: $(cat "$tmp/log/munged.out")"
munge --socket="$socket" -n </dev/null | unmunge --socket="$socket" >/dev/null 2>&1 \
  || fail "munge cannot encode and decode a credential"

for p in "$port" "$((port + 1))"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    fail "port $p is in use (a SLURM left running?); choose others with SLURM_SMOKE_PORT"
  fi
done
host=$(hostname -s)
cpus=$(nproc)
# Half the memory, in MB: slurmd drains a node configured with more than it has.
memory=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 / 2 }' /proc/meminfo)
export SLURM_CONF="$tmp/slurm.conf"
cat >"$SLURM_CONF" <<EOF
# Single-node cluster of scripts/slurm-smoke.sh; no accounting, no cgroups.
ClusterName=dmftsmoke
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
SchedulerType=sched/backfill
# Start pending tasks as soon as a CPU frees, not on the default 3 s batch cadence.
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
DefMemPerCPU=512
MpiDefault=none
ReturnToService=2
MailProg=/bin/true
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -D -i -f "$SLURM_CONF" >"$tmp/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" >"$tmp/log/slurmd.out" 2>&1 &
pids+=($!)

# Wait until the node is idle.
state=""
for _ in $(seq 120); do
  state=$(sinfo -h -n "$host" -o '%t' 2>/dev/null | head -1 || true)
  [ "$state" = idle ] && break
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || fail "a daemon exited: $(cat "$tmp"/log/*.out)"
  done
  sleep 0.5
done
[ "$state" = idle ] || fail "the node is not idle after 60 s (state: '${state:-none}')"
cluster_ready=$(date +%s.%N)
say "cluster up in $(python3 -c "print(f'{$cluster_ready - $start_time:.1f}')") s"

# Waits for every task of job array $1 to finish; fails unless all COMPLETED.
wait_for_array() {
  local job=$1 deadline=$(($(date +%s) + timeout_s))
  while [ -n "$(squeue -h -j "$job" -o '%i' 2>/dev/null)" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "job $job still running after $timeout_s s: $(squeue -j "$job")"
    sleep 0.5
  done
  local states
  states=$(scontrol -o show job "$job" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | sort | uniq -c)
  [ -n "$states" ] || fail "job $job vanished without a state"
  if echo "$states" | grep -qv ' COMPLETED$'; then
    fail "job $job did not complete: $(echo $states); outputs: $(tail -n 5 "$tmp"/work/*.out "$tmp"/work/slurm/slurm/*.out 2>/dev/null)"
  fi
}

# ---- The trivial check: a 3-task array of `hostname` ---------------------------------------
if [ $trivial -eq 1 ]; then
  job=$(cd "$tmp/work" && sbatch --parsable --array=1-3 --output="$tmp/work/hostname-%a.out" \
    --wrap 'echo "task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_TASK_COUNT on $(hostname)"') \
    || fail "sbatch refused the job"
  wait_for_array "${job%%;*}"
  for task in 1 2 3; do
    grep -qx "task $task of 3 on $(hostname)" "$tmp/work/hostname-$task.out" \
      || fail "array task $task wrote: $(cat "$tmp/work/hostname-$task.out" 2>/dev/null)"
  done
  end_time=$(date +%s.%N)
  echo "slurm-smoke: OK (trivial 3-task array, $(python3 -c "print(f'{$end_time - $start_time:.1f}')") s)"
  exit 0
fi

# ---- The scan: under SLURM, then locally -----------------------------------------------------
# A small solve varied over alpha (3 values) and noise (2): 6 points.
scan="$tmp/work/scan.yaml"
cat >"$scan" <<'EOF'
command: solve
base: {width: 5, tmax: 2, dt: 0.1}
axes:
  alpha: [0.2, 0.4, 0.6]
  noise: [0.3, 0.6]
combine: product
EOF
points=6
slurm_dir="$tmp/work/slurm"
local_dir="$tmp/work/local"
job_script="$tmp/work/scan.sbatch"

# The job script `dmft scan slurm` writes, with the time and memory of its own estimates.
"$dmft" scan slurm "$scan" --out-dir "$slurm_dir" --array 3 --partition debug --script "$job_script" \
  >"$tmp/log/scan-slurm.out" 2>&1 || fail "dmft scan slurm: $(cat "$tmp/log/scan-slurm.out")"
[ -s "$job_script" ] || fail "dmft scan slurm wrote no script at $job_script: $(cat "$tmp/log/scan-slurm.out")"
grep -q '^#SBATCH --array=1-3$' "$job_script" || fail "the sbatch script asks for no 3-task array: $(cat "$job_script")"

job=$(cd "$tmp/work" && sbatch --parsable "$job_script" 2>"$tmp/log/sbatch.err") \
  || fail "sbatch refused the script: $(cat "$tmp/log/sbatch.err")"
job=${job%%;*}
wait_for_array "$job"
tasks=$(scontrol -o show job "$job" | grep -c 'JobState=COMPLETED' || true)
[ "$tasks" -eq 3 ] || fail "expected 3 array tasks, $tasks completed"
slurm_done=$(date +%s.%N)

"$dmft" scan merge "$slurm_dir" >/dev/null 2>"$tmp/log/merge-slurm.err" \
  || fail "dmft scan merge (SLURM run): $(cat "$tmp/log/merge-slurm.err")"
"$dmft" scan run "$scan" --out-dir "$local_dir" >/dev/null 2>"$tmp/log/run-local.err" \
  || fail "dmft scan run (local): $(tail -5 "$tmp/log/run-local.err")"
"$dmft" scan merge "$local_dir" >/dev/null 2>"$tmp/log/merge-local.err" \
  || fail "dmft scan merge (local run): $(cat "$tmp/log/merge-local.err")"

# Same files, wall-time columns dropped.
for file in summary.csv curves.csv; do
  for dir in "$slurm_dir" "$local_dir"; do
    [ -s "$dir/$file" ] || fail "no $file in $dir"
  done
  python3 - "$slurm_dir/$file" "$local_dir/$file" "$points" "$file" <<'EOF' || fail "$file differs between the SLURM and the local run"
import csv, sys
slurm_path, local_path, points, name = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

def table(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    keep = [i for i, column in enumerate(header) if "wall" not in column.lower()]
    return [[row[i] for i in keep] for row in rows]

a, b = table(slurm_path), table(local_path)
if a != b:
    print(f"slurm-smoke: {name}: {len(a)} rows under SLURM, {len(b)} locally", file=sys.stderr)
    for k, (x, y) in enumerate(zip(a, b)):
        if x != y:
            print(f"  first difference, row {k}:\n    SLURM: {x}\n    local: {y}", file=sys.stderr)
            break
    sys.exit(1)
if name == "summary.csv":
    if len(a) - 1 != points:
        print(f"slurm-smoke: summary.csv has {len(a) - 1} rows for {points} points", file=sys.stderr)
        sys.exit(1)
    status = a[0].index("status") if "status" in a[0] else None
    if status is not None and any(row[status] != "done" for row in a[1:]):
        print(f"slurm-smoke: not every point is done: {[row[status] for row in a[1:]]}", file=sys.stderr)
        sys.exit(1)
EOF
done

end_time=$(date +%s.%N)
python3 -c "print(f'slurm-smoke: OK ($points points, {$end_time - $start_time:.1f} s; '
  f'cluster {$cluster_ready - $start_time:.1f} s, SLURM array {$slurm_done - $cluster_ready:.1f} s)')"

#!/usr/bin/env bash
# Stop the control plane that start.sh started into DIR.
#
# Usage: scripts/realcluster/stop.sh DIR
#
# Sends SIGTERM to each process in DIR/pids (newest first: controller-manager,
# apiserver, then etcd), waits up to 10 s in all, then SIGKILLs what is left.
# Idempotent: no DIR/pids, or processes already gone, is fine. A PID is only
# signalled while it still runs the recorded program, so a PID reused by an
# unrelated process after a reboot or crash is left alone. DIR (data, logs,
# certs) is kept; delete it yourself when done.
set -euo pipefail

log() { echo "stop.sh: $*" >&2; }

[[ $# -eq 1 ]] || { echo "usage: $0 DIR" >&2; exit 2; }
DIR=$1
PIDS_FILE=$DIR/pids
GRACE=${KGEN_REALCLUSTER_STOP_GRACE:-10}

if [[ ! -f $PIDS_FILE ]]; then
  log "no $PIDS_FILE: nothing to stop"
  exit 0
fi

# ours PID NAME: true while PID is alive and its argv[0] is the NAME program.
ours() {
  local pid=$1 name=$2 argv0
  [[ -r /proc/$pid/cmdline ]] || return 1
  argv0=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n1) || return 1
  [[ $(basename "$argv0") == "$name" ]]
}

# Read "PID NAME" lines, reversed so dependents stop before what they use.
mapfile -t entries < <(tac "$PIDS_FILE")
targets=()
for line in "${entries[@]}"; do
  read -r pid name <<<"$line" || true
  [[ ${pid:-} =~ ^[0-9]+$ && -n ${name:-} ]] || continue
  if ours "$pid" "$name"; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    targets+=("$pid $name")
  fi
done

deadline=$(( $(date +%s) + GRACE ))
while :; do
  remaining=()
  for t in "${targets[@]+"${targets[@]}"}"; do
    read -r pid name <<<"$t"
    ours "$pid" "$name" && remaining+=("$t")
  done
  [[ ${#remaining[@]} -eq 0 ]] && break
  if (( $(date +%s) >= deadline )); then
    for t in "${remaining[@]}"; do
      read -r pid name <<<"$t"
      log "$name (pid $pid) still running after ${GRACE}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    done
    sleep 0.5
    break
  fi
  sleep 0.2
done

rm -f "$PIDS_FILE"
log "stopped"

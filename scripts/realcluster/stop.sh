#!/usr/bin/env bash
# Stop the control plane that start.sh started into DIR.
#
# Usage: scripts/realcluster/stop.sh DIR
#
# Sends SIGTERM to each process in DIR/pids in turn (newest first:
# controller-manager, apiserver, then etcd) and waits for it to exit; whatever
# still runs 10 s after the first SIGTERM gets SIGKILL.
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

# ours PID NAME: PID is alive (not a zombie: those have an empty cmdline) and
# runs the program NAME (argv[0]; or argv[1], for a script run by its
# interpreter). Same test as start.sh's runs().
ours() {
  local a0='' a1=''
  { IFS= read -r -d '' a0; IFS= read -r -d '' a1; } 2>/dev/null <"/proc/$1/cmdline" || true
  [[ -n $a0 && ( $(basename "$a0") == "$2" || $(basename "${a1:-/}") == "$2" ) ]]
}

# Read "PID NAME" lines, reversed so that each process stops before what it
# uses (controller-manager, then apiserver, then etcd), one after another so
# the apiserver can still reach etcd while it shuts down.
mapfile -t entries < <(tac "$PIDS_FILE")
deadline=$(( $(date +%s) + GRACE ))
for line in "${entries[@]}"; do
  read -r pid name <<<"$line" || true
  [[ ${pid:-} =~ ^[0-9]+$ && -n ${name:-} ]] || continue
  ours "$pid" "$name" || continue
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  while ours "$pid" "$name" && (( $(date +%s) < deadline )); do
    sleep 0.2
  done
  if ours "$pid" "$name"; then
    log "$name (pid $pid) still running ${GRACE}s after the first SIGTERM: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
done

rm -f "$PIDS_FILE"
log "stopped"

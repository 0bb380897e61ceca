#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, from Debian's packages (slurmctld, slurmd,
# slurm-client, munge), for `depthbook render --executor slurm` and its end-to-end test.
#
#   Scripts/slurm-local.sh start    # munge key, slurm.conf, munged, slurmctld, slurmd; waits for the node
#   Scripts/slurm-local.sh status   # exit 0 when the node takes jobs
#   Scripts/slurm-local.sh stop     # stops the three daemons it started (by their pid files)
#
# Idempotent: `start` on a running cluster checks it and returns; a changed machine (cores,
# memory) rewrites slurm.conf and restarts the daemons. Run as root (SlurmUser=root). State, logs
# and pid files live in $DEPTHBOOK_SLURM_STATE (default /var/lib/depthbook-slurm); the config is
# /etc/slurm/slurm.conf, where sbatch and squeue look for it. Facts of this kind of machine:
# proctrack/linuxproc and task/none (no cgroup plugins in a container), select/cons_tres, no
# accounting storage (so states come from squeue/scontrol, and a jobcomp file).
set -euo pipefail

STATE=${DEPTHBOOK_SLURM_STATE:-/var/lib/depthbook-slurm}
CONF=/etc/slurm/slurm.conf
NODE=$(hostname -s)
PARTITION=debug

die() { echo "slurm-local: $*" >&2; exit 1; }

need_packages() {
  local missing=""
  for p in slurmctld slurmd slurm-client munge; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  [ -z "$missing" ] || die "missing Debian packages:$missing; hint: make test-deps installs them (or apt-get install$missing)"
  [ "$(id -u)" = 0 ] || die "run as root (the one-node cluster runs SlurmUser=root)"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

write_conf() {
  local cpus mem
  cpus=$(nproc)
  mem=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
  mkdir -p "$STATE/ctld" "$STATE/d" /etc/slurm
  cat >"$CONF.new" <<EOF
# Written by depthbook's Scripts/slurm-local.sh: a one-node cluster on $NODE.
ClusterName=depthbook
SlurmctldHost=$NODE
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/jobcomp.log
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MinJobAge=600
KillWait=5
NodeName=$NODE CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
  if cmp -s "$CONF.new" "$CONF"; then rm -f "$CONF.new"; return 1; fi
  mv "$CONF.new" "$CONF"
  return 0
}

start_munge() {
  if [ ! -s /etc/munge/munge.key ]; then
    mungekey --create --keyfile=/etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
  fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  if ! alive /run/munge/munged.pid; then
    runuser -u munge -- /usr/sbin/munged
  fi
  for _ in $(seq 50); do munge -n >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "munged did not answer (see /var/log/munge/munged.log)"
}

node_state() { sinfo -h -n "$NODE" -o '%T' 2>/dev/null | head -1; }

wait_for_node() {
  local state=""
  for _ in $(seq 60); do
    state=$(node_state)
    case "$state" in
      idle*|mixed*|allocated*|completing*) return 0 ;;
      down*|drain*|fail*) scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true ;;
    esac
    sleep 0.5
  done
  die "node $NODE is ${state:-not answering} after 30 s (see $STATE/slurmctld.log and $STATE/slurmd.log)"
}

stop_daemons() {
  local pidfile pid
  for pidfile in "$STATE/slurmd.pid" "$STATE/slurmctld.pid" /run/munge/munged.pid; do
    if alive "$pidfile"; then
      pid=$(cat "$pidfile")
      kill "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    rm -f "$pidfile"
  done
}

case "${1:-}" in
  start)
    need_packages
    if write_conf; then
      # A new or changed slurm.conf: daemons read it at start only.
      stop_daemons
    fi
    start_munge
    alive "$STATE/slurmctld.pid" || /usr/sbin/slurmctld
    for _ in $(seq 50); do scontrol ping >/dev/null 2>&1 && break; sleep 0.1; done
    alive "$STATE/slurmd.pid" || /usr/sbin/slurmd
    wait_for_node
    echo "slurm-local: node $NODE up ($(nproc) CPUs, partition $PARTITION); config $CONF, logs in $STATE"
    ;;
  stop)
    [ "$(id -u)" = 0 ] || die "run as root"
    stop_daemons
    echo "slurm-local: stopped"
    ;;
  status)
    for d in munged:/run/munge/munged.pid slurmctld:"$STATE/slurmctld.pid" slurmd:"$STATE/slurmd.pid"; do
      if alive "${d#*:}"; then echo "${d%%:*}: running (pid $(cat "${d#*:}"))"; else echo "${d%%:*}: not running"; fi
    done
    state=$(node_state)
    echo "node $NODE: ${state:-no answer from slurmctld}"
    case "$state" in idle*|mixed*|allocated*|completing*) exit 0 ;; *) exit 1 ;; esac
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac

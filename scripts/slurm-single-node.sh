#!/usr/bin/env bash
# A real single-node Slurm cluster for the tests (issue 19), from Debian's packages (slurmctld,
# slurmd, slurm-client, munge), run as root without systemd or cgroups (ENVIRONMENT.md):
#   scripts/slurm-single-node.sh start DIR   → munged, slurmctld, slurmd with everything under DIR;
#                                              prints SLURM_CONF=DIR/slurm.conf (export it)
#   scripts/slurm-single-node.sh stop DIR    → stops the three daemons it started (by their pid files)
# Nothing under /etc is written: the daemons and the clients read DIR/slurm.conf through SLURM_CONF,
# munged has its own key, socket and pid file in DIR. Ports: $RIC_SLURM_PORT (default 16817) and the
# next one, so a cluster already on this machine is left alone.
set -euo pipefail
cmd=${1:?usage: slurm-single-node.sh start|stop DIR}
dir=${2:?usage: slurm-single-node.sh start|stop DIR}
port=${RIC_SLURM_PORT:-16817}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
conf="$dir/slurm.conf"

stop_pid() { # a daemon of ours, by the pid file it wrote
  local f=$1
  if [ -f "$f" ]; then
    local pid; pid=$(cat "$f")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  fi
}

if [ "$cmd" = stop ]; then
  stop_pid "$dir/slurmd.pid"
  stop_pid "$dir/slurmctld.pid"
  stop_pid "$dir/munge/munged.pid"
  exit 0
fi
[ "$cmd" = start ] || { echo "usage: slurm-single-node.sh start|stop DIR" >&2; exit 2; }
for bin in munged slurmctld slurmd sbatch squeue scancel sinfo; do
  command -v "$bin" >/dev/null || { echo "slurm-single-node: $bin is missing: apt-get install slurmctld slurmd slurm-client munge" >&2; exit 3; }
done

# 1. munge: its own key (random, mode 400) and socket.
mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
chmod 700 "$dir/munge"
[ -f "$dir/munge/munge.key" ] || { head -c 1024 /dev/urandom > "$dir/munge/munge.key"; chmod 400 "$dir/munge/munge.key"; }
stop_pid "$dir/munge/munged.pid"
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed"

# 2. slurm.conf: this host as the controller and the only node, its real CPUs and memory.
host=$(hostname -s)
node=$(slurmd -C | head -1)
cat > "$conf" <<EOF
ClusterName=ric-test
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
# scancel: SIGTERM, then SIGKILL after this many seconds (the trainer checkpoints in between).
KillWait=10
MinJobAge=300
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
$node State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$conf"
stop_pid "$dir/slurmd.pid"
stop_pid "$dir/slurmctld.pid"
slurmctld -c -i
slurmd
# 3. Ready when the node is idle (a loaded machine may take a while).
for _ in $(seq 1 120); do
  if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    echo "SLURM_CONF=$conf"
    exit 0
  fi
  sleep 0.5
done
echo "slurm-single-node: the node did not come up; see $dir/slurmctld.log and $dir/slurmd.log" >&2
tail -5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
exit 4

#!/usr/bin/env bash
# A one-node Slurm cluster on 127.0.0.1 (slurmctld + slurmd, partition "debug"), for the tests and
# for trying `make benchmark EXECUTOR=slurm` by hand. Needs root; installs Debian's slurm-wlm and
# munge when missing. Its configuration lives in STATE (never /etc/slurm): export SLURM_CONF.
#   tests/slurm_cluster.sh up [STATE]     start it; prints `export SLURM_CONF=...`
#   tests/slurm_cluster.sh down [STATE]   stop it and remove STATE
# Exit 3 (with the reason on stderr) where it cannot run: not root, no package.
set -euo pipefail
command=${1:?usage: $0 up|down [STATE]}
state=${2:-/tmp/ssl-mri-slurm}
conf=$state/slurm.conf

down() {
    local pids=()
    for file in "$state"/slurmctld.pid "$state"/slurmd.pid "$state"/munged.pid; do
        [ -f "$file" ] && pids+=("$(cat "$file")")
    done
    [ -f "$conf" ] && SLURM_CONF=$conf scontrol shutdown >/dev/null 2>&1 || true
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for _ in $(seq 30); do  # wait until they are gone, so that a cluster can start again at once
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 1
    done
    rm -rf "$state"
}

if [ "$command" = down ]; then down; exit 0; fi
[ "$command" = up ] || { echo "usage: $0 up|down [STATE]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "a local Slurm cluster needs root (it starts slurmd)" >&2; exit 3; }
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge; } >/dev/null 2>&1 \
        || { echo "cannot install Debian's slurm-wlm and munge" >&2; exit 3; }
fi
down
if pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null; then
    echo "another Slurm daemon runs on this machine (make slurm-down, or a real cluster): not starting a second" >&2
    exit 3
fi
mkdir -p "$state"/{spool,ctld,log,munge}
host=$(hostname -s)
cpus=$(nproc)
memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ' || true)
gres="" node_gres=""
if [ "${gpus:-0}" -gt 0 ]; then  # offer this machine's NVIDIA GPUs as gres/gpu (gres.conf beside slurm.conf)
    gres="GresTypes=gpu" node_gres=" Gres=gpu:$gpus"
    for ((i = 0; i < gpus; i++)); do echo "Name=gpu File=/dev/nvidia$i"; done > "$state/gres.conf"
fi
cat > "$conf" <<CONF
ClusterName=ssl-mri-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$state/munge/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
$gres
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmdSpoolDir=$state/spool
StateSaveLocation=$state/ctld
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory$node_gres State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
[ -f /etc/munge/munge.key ] || { echo "no /etc/munge/munge.key (reinstall munge)" >&2; exit 3; }
munged --force --socket="$state/munge/munge.socket" --pid-file="$state/munged.pid" \
    --log-file="$state/log/munged.log" --seed-file="$state/munge/munged.seed"
SLURM_CONF=$conf slurmctld
SLURM_CONF=$conf slurmd
for _ in $(seq 60); do
    if [ "$(SLURM_CONF=$conf sinfo -h -o %t 2>/dev/null)" = idle ]; then
        echo "export SLURM_CONF=$conf"
        exit 0
    fi
    sleep 1
done
echo "the node did not become idle within 60 s; see $state/log/" >&2
exit 1

#!/usr/bin/env bash
# Starts a one-node Slurm cluster on this machine for the Slurm end-to-end test
# (RunnerEndToEndTests/SlurmTests): munge + slurmctld + slurmd from Debian's packages.
#
# Needs root and apt. Idempotent: a cluster that already answers is left alone.
# Exit status 0 when `sinfo` shows this node idle, 1 otherwise (with the reason on
# stderr); .ci/run goes on either way and the test then skips, saying why.
set -uo pipefail

say() { echo "slurm-up: $*" >&2; }
die() { say "$*"; exit 1; }

node_idle() { sinfo -h -N -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; }

if command -v sinfo >/dev/null 2>&1 && node_idle; then
    say "a Slurm cluster already answers: $(sinfo -h -N -o '%N %t' | tr '\n' ' ')"
    exit 0
fi
[ "$(id -u)" = 0 ] || die "not root: cannot install or start Slurm (the Slurm test will be skipped)"

# 1. Packages.
if ! command -v slurmctld >/dev/null 2>&1 || ! command -v slurmd >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || die "no apt-get: cannot install slurm-wlm and munge"
    say "installing slurm-wlm and munge with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq >/tmp/slurm-up-apt.log 2>&1 || die "apt-get update failed or took over 10 min (see /tmp/slurm-up-apt.log)"
    timeout 900 apt-get install -y -qq --no-install-recommends slurm-wlm munge >>/tmp/slurm-up-apt.log 2>&1 \
        || die "apt-get install slurm-wlm munge failed (see /tmp/slurm-up-apt.log)"
fi

# 2. Munge: a key, then the daemon (as the munge user when it exists).
mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none || die "cannot write /etc/munge/munge.key"
fi
munge_user=root
if id munge >/dev/null 2>&1; then munge_user=munge; fi
chown -R "$munge_user": /etc/munge /run/munge /var/lib/munge /var/log/munge
chmod 0700 /etc/munge /var/lib/munge /var/log/munge
chmod 0755 /run/munge
chmod 0400 /etc/munge/munge.key
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    if [ "$munge_user" = root ]; then
        munged --force || die "munged did not start"
    else
        runuser -u munge -- munged || die "munged did not start"
    fi
    for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
    munge -n | unmunge >/dev/null 2>&1 || die "munge does not answer after starting munged"
fi

# 3. slurm.conf: this host as the only node, with the CPUs and memory slurmd detects.
host=$(hostname -s)
node_line=$(slurmd -C 2>/dev/null | grep '^NodeName=' | sed 's/ UpTime=.*//')
[ -n "$node_line" ] || node_line="NodeName=$host CPUs=$(nproc)"
conf_dir=/etc/slurm
mkdir -p "$conf_dir" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat >"$conf_dir/slurm.conf" <<CONF
# One-node cluster for runner's Slurm test, written by .ci/slurm-up.sh.
ClusterName=runnerci
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
# No cgroups here: linuxproc tracks processes through /proc, and no cgroup.conf
# is written (slurmd 22.05 refuses CgroupPlugin=disabled).
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=600
$node_line State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

# 4. The daemons (restarted so that they read this configuration).
for pidfile in /run/slurmd.pid /run/slurmctld.pid; do
    if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        kill "$(cat "$pidfile")"; sleep 1
    fi
done
slurmctld -c || die "slurmctld did not start (see /var/log/slurm/slurmctld.log)"
slurmd || die "slurmd did not start (see /var/log/slurm/slurmd.log)"

# 5. Wait (bounded) until the node is idle.
for _ in $(seq 60); do
    if node_idle; then
        say "cluster up: $(sinfo -h -N -o '%N %t %c CPUs' | tr '\n' ' ')"
        exit 0
    fi
    sleep 1
done
say "the node did not become idle within 60 s: $(sinfo -h -N -o '%N %t %E' 2>&1 | tr '\n' ' ')"
tail -n 5 /var/log/slurm/slurmd.log /var/log/slurm/slurmctld.log >&2 2>/dev/null
exit 1

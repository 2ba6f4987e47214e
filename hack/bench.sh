#!/usr/bin/env bash
# Benchmarks the controller on the local test cluster: builds the benchmark
# (hack/bench) and runs it under the shared cluster lock, so that it never
# measures while another cluster runs on this machine.
#
# Usage: make bench [N=50] [D=2] [SCALE_VMS=2000] [SCHEDULE_VMS=1000] [IDLE=30s] [AUDIT=1]
#                   [GROUP_VMS=20] [GROUP_DISKS=1,2,4,8]
#                   [PROFILE_SECONDS=0] [CONTROLLER_ARGS="--snapshot-workers=8 ..."]
# SCHEDULE_VMS stopped VMs of one disk are snapshotted all at once, then by
# one run of a VirtualMachineSnapshotSchedule, with the API server's load
# sampled during both; 0 skips it. AUDIT=1 runs the API server with audit
# logging on (Metadata level for writes, as production clusters do) for the
# floor and every workload.
# Last, the group comparison: for each disk count D in GROUP_DISKS, GROUP_VMS
# fresh running VMs with a guest agent and D disks are snapshotted all at once
# with consistencyGroup Disabled (one CreateSnapshot per disk), then GROUP_VMS
# more with Required (one CreateVolumeGroupSnapshot per VM): wall time, per-VM
# time, frozen windows and the CSI cut calls of each; 0 skips it. The bench
# deletes any VolumeGroupSnapshotClass the cluster installs before the first
# workload and creates its own when the comparison starts, so that every
# workload before it cuts volume by volume.
# The table goes to the terminal, the JSON to _output/bench/ (latest.json
# and a timestamped copy); profiles, when taken, next to them.

set -o errexit
set -o nounset
set -o pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "${REPO_ROOT}"

LOCK=/tmp/vmsnap-cluster.lock
BENCH="_output/bin/vmsnap-bench"

go build -o "${BENCH}" ./hack/bench
exec flock "${LOCK}" "${BENCH}" \
	--vms="${N:-50}" \
	--disks="${D:-2}" \
	--scale-vms="${SCALE_VMS:-2000}" \
	--schedule-vms="${SCHEDULE_VMS:-1000}" \
	--group-vms="${GROUP_VMS:-20}" \
	--group-disks="${GROUP_DISKS:-1,2,4,8}" \
	--idle="${IDLE:-30s}" \
	--profile-seconds="${PROFILE_SECONDS:-0}" \
	--controller-args="${CONTROLLER_ARGS:-}" \
	--audit-log="$([[ ${AUDIT:-0} == 1 ]] && echo true || echo false)" \
	"$@"

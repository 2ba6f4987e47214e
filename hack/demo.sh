#!/usr/bin/env bash
# A walk through vmsnap on the local cluster: a VM with two disks is
# snapshotted while stopped, then while "running" with a guest agent (the
# freeze and thaw are shown from the virt-api stand-in's record), then
# restored as a new VM and in place; each phase is printed as it happens.
# Last, a VirtualMachineSnapshotSchedule selects the VM by a label and
# snapshots it on its own.
#
# Usage: make demo   (starts the local cluster and, if none answers on
# 127.0.0.1:8081, a controller in the background for the demo's duration)

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${REPO_ROOT}"

export KUBECONFIG="${OUTPUT_DIR}/local/kubeconfig"
KUBECTL="${BIN_DIR}/kubectl"
NS=vmsnap-demo

# The demo's own controller accepts schedules that run every few seconds
# (--min-schedule-interval, a hidden flag for tests); one already running
# (make run) refuses anything under a minute, and gets a cron schedule.
SCHEDULE="*/1 * * * *"
SCHEDULE_WAIT=90
if ! curl -fsS http://127.0.0.1:8081/healthz >/dev/null 2>&1; then
	SCHEDULE="@every 20s"
	SCHEDULE_WAIT=60
	"${BIN_DIR}/vmsnap-controller" --kubeconfig "${KUBECONFIG}" --leader-elect=false \
		--metrics-bind-address 127.0.0.1:8080 --health-bind-address 127.0.0.1:8081 \
		--min-schedule-interval=10s \
		>"${OUTPUT_DIR}/local/logs/demo-controller.log" 2>&1 &
	controller_pid=$!
	trap 'kill ${controller_pid} 2>/dev/null || true' EXIT
	until curl -fsS http://127.0.0.1:8081/readyz >/dev/null 2>&1; do sleep 0.5; done
fi

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { echo "+ kubectl $*"; "${KUBECTL}" "$@"; }

# watch_phases prints each new phase of a vmsnapshot (or another kind) until
# it is Ready or Failed.
watch_phases() {
	local name=$1 kind=${2:-vmsnapshot} last="" phase=""
	for _ in $(seq 600); do
		phase=$("${KUBECTL}" -n "${NS}" get "${kind}" "${name}" -o jsonpath='{.status.phase}' 2>/dev/null || true)
		if [[ -n "${phase}" && "${phase}" != "${last}" ]]; then
			echo "  $(date +%T.%3N) ${name}: ${phase}"
			last=${phase}
		fi
		[[ "${phase}" == Ready || "${phase}" == Failed ]] && return 0
		sleep 0.1
	done
	echo "  ${name} did not finish; last phase ${phase}" >&2
	return 1
}

step "A namespace, two disks and a VM using them"
"${KUBECTL}" delete namespace "${NS}" --ignore-not-found --wait=true >/dev/null
show create namespace "${NS}"
for disk in root data; do
	"${KUBECTL}" -n "${NS}" apply -f - <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: demo-${disk}}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: vmsnap-test
  resources: {requests: {storage: 1Gi}}
YAML
done
"${KUBECTL}" -n "${NS}" apply -f - <<'YAML'
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: demo}
spec:
  runStrategy: Halted
  template:
    spec:
      domain:
        devices:
          disks: [{name: root, disk: {}}, {name: data, disk: {}}, {name: cloudinit, disk: {}}]
        resources: {requests: {memory: 128Mi}}
      volumes:
      - {name: root, persistentVolumeClaim: {claimName: demo-root}}
      - {name: data, persistentVolumeClaim: {claimName: demo-data}}
      - {name: cloudinit, cloudInitNoCloud: {userData: "#cloud-config"}}
YAML
show -n "${NS}" wait pvc --all --for=jsonpath='{.status.phase}'=Bound --timeout=60s

step "Snapshot the stopped VM"
"${KUBECTL}" -n "${NS}" apply -f - <<'YAML'
apiVersion: snapshot.vmsnap.io/v1alpha1
kind: VirtualMachineSnapshot
metadata: {name: demo-offline}
spec:
  source: {apiGroup: kubevirt.io, kind: VirtualMachine, name: demo}
YAML
watch_phases demo-offline
show -n "${NS}" wait vmsnapshot/demo-offline --for=condition=Ready --timeout=60s
show -n "${NS}" get vmsnapshot demo-offline
show -n "${NS}" get vmsnapshot demo-offline -o jsonpath='{.status.snapshotVolumes}{"\n"}'
show -n "${NS}" get vmsnapshotcontent,volumesnapshots

step "Play KubeVirt: the VM runs, with a connected guest agent"
"${KUBECTL}" -n "${NS}" apply -f - <<'YAML'
apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata: {name: demo}
spec:
  domain:
    devices: {disks: [{name: root, disk: {}}, {name: data, disk: {}}]}
    resources: {requests: {memory: 128Mi}}
  volumes:
  - {name: root, persistentVolumeClaim: {claimName: demo-root}}
  - {name: data, persistentVolumeClaim: {claimName: demo-data}}
YAML
"${KUBECTL}" -n "${NS}" patch vmi demo --type merge -p \
	'{"status":{"phase":"Running","conditions":[{"type":"AgentConnected","status":"True"}]}}' >/dev/null

step "Snapshot the running VM: freeze, cut, thaw"
"${KUBECTL}" -n "${NS}" apply -f - <<'YAML'
apiVersion: snapshot.vmsnap.io/v1alpha1
kind: VirtualMachineSnapshot
metadata: {name: demo-online}
spec:
  source: {apiGroup: kubevirt.io, kind: VirtualMachine, name: demo}
YAML
watch_phases demo-online
show -n "${NS}" get vmsnapshot
show -n "${NS}" get vmsnapshot demo-online -o jsonpath='{range .status.indications[*]}{.type}: {.message}{"\n"}{end}'
echo "+ freeze/unfreeze calls seen by the virt-api stand-in:"
curl -fsS "http://127.0.0.1:18090/calls?namespace=${NS}&name=demo" | python3 -m json.tool

step "Restore the offline snapshot as a new VM, with its disks renamed"
"${KUBECTL}" -n "${NS}" apply -f - <<'YAML'
apiVersion: snapshot.vmsnap.io/v1alpha1
kind: VirtualMachineRestore
metadata: {name: demo-copy}
spec:
  virtualMachineSnapshotName: demo-offline
  nameReplacements:
  - {from: {kind: VirtualMachine, name: demo}, to: demo-copy}
  - {from: {kind: PersistentVolumeClaim, name: demo-root}, to: demo-copy-root}
  - {from: {kind: PersistentVolumeClaim, name: demo-data}, to: demo-copy-data}
YAML
watch_phases demo-copy vmrestore
show -n "${NS}" get vmrestore demo-copy -o jsonpath='{range .status.resources[*]}{.kind} {.name}: {.result}{"\n"}{end}'
show -n "${NS}" get vm,pvc

step "Stop the VM and restore it in place from the offline snapshot"
"${KUBECTL}" -n "${NS}" delete vmi demo --wait=true >/dev/null
"${KUBECTL}" -n "${NS}" patch vm demo --type merge -p '{"spec":{"runStrategy":"Halted"}}' >/dev/null
"${KUBECTL}" -n "${NS}" apply -f - <<'YAML'
apiVersion: snapshot.vmsnap.io/v1alpha1
kind: VirtualMachineRestore
metadata: {name: demo-back}
spec:
  virtualMachineSnapshotName: demo-offline
YAML
watch_phases demo-back vmrestore
show -n "${NS}" wait vmrestore/demo-back --for=condition=Ready --timeout=60s
show -n "${NS}" get vmrestore
show -n "${NS}" get vm demo -o jsonpath='{range .spec.template.spec.volumes[*]}{.name} -> {.persistentVolumeClaim.claimName}{"\n"}{end}'

step "Delete the snapshots: contents and VolumeSnapshots go with them"
show -n "${NS}" delete vmsnapshot --all --wait=true
show -n "${NS}" get vmsnapshotcontent,volumesnapshots

step "Snapshot on a schedule: a VirtualMachineSnapshotSchedule selects the VM by a label"
show -n "${NS}" label vm demo backup=demo --overwrite
"${KUBECTL}" -n "${NS}" apply -f - <<YAML
apiVersion: snapshot.vmsnap.io/v1alpha1
kind: VirtualMachineSnapshotSchedule
metadata: {name: demo-schedule}
spec:
  schedule: "${SCHEDULE}"
  selector: {matchLabels: {backup: demo}}
  retention: {maxCount: 3}
  deletionPolicy: Delete       # deleting the schedule deletes its snapshots
YAML
show -n "${NS}" get vmsnapschedule
echo "+ the scheduled snapshots as they appear (up to ${SCHEDULE_WAIT}s):"
seen=""
ready=""
for _ in $(seq $((SCHEDULE_WAIT * 2))); do
	while read -r name phase; do
		if [[ -n "${name}" && " ${seen} " != *" ${name}=${phase} "* ]]; then
			echo "  $(date +%T.%3N) ${name}: ${phase:-created}"
			seen+=" ${name}=${phase}"
		fi
		if [[ "${phase}" == Ready ]]; then
			ready=${name}
		fi
	done < <("${KUBECTL}" -n "${NS}" get vmsnapshot -l snapshot.vmsnap.io/schedule=demo-schedule \
		-o jsonpath='{range .items[*]}{.metadata.name} {.status.phase}{"\n"}{end}' 2>/dev/null || true)
	if [[ -n "${ready}" ]]; then
		break
	fi
	sleep 0.5
done
if [[ -z "${ready}" ]]; then
	echo "  no scheduled snapshot became Ready within ${SCHEDULE_WAIT}s" >&2
	show -n "${NS}" get vmsnapschedule demo-schedule -o yaml
	exit 1
fi
# A snapshot that became Ready reaches the schedule's status within a few
# seconds: such changes are batched, not written one by one.
show -n "${NS}" wait vmsnapschedule/demo-schedule --timeout=30s \
	--for=jsonpath='{.status.virtualMachines[0].lastSuccessfulSnapshotName}'="${ready}"
show -n "${NS}" get vmsnapschedule
show -n "${NS}" get vmsnapshot -l snapshot.vmsnap.io/schedule=demo-schedule
show -n "${NS}" get vmsnapschedule demo-schedule -o jsonpath='{range .status.virtualMachines[*]}{.name}: last run {.lastRunTime} {.lastRunResult}, last good {.lastSuccessfulSnapshotName}{"\n"}{end}'

step "Delete the schedule: its deletionPolicy takes its snapshots with it"
show -n "${NS}" delete vmsnapschedule demo-schedule --wait=true --timeout=60s
show -n "${NS}" get vmsnapschedule,vmsnapshot

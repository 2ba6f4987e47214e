#!/usr/bin/env bash
# A walk through vmsnap on the local cluster: a VM with two disks is
# snapshotted while stopped, then while "running" with a guest agent (the
# freeze and thaw are shown from the virt-api stand-in's record), then
# restored as a new VM and in place; each phase is printed as it happens.
#
# Usage: make demo   (starts the local cluster and, if none answers on
# 127.0.0.1:8081, a controller in the background for the demo's duration)

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${REPO_ROOT}"

export KUBECONFIG="${OUTPUT_DIR}/local/kubeconfig"
KUBECTL="${BIN_DIR}/kubectl"
NS=vmsnap-demo

if ! curl -fsS http://127.0.0.1:8081/healthz >/dev/null 2>&1; then
	"${BIN_DIR}/vmsnap-controller" --kubeconfig "${KUBECONFIG}" --leader-elect=false \
		--metrics-bind-address 127.0.0.1:8080 --health-bind-address 127.0.0.1:8081 \
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

package fakevirtapi

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	virtv1 "kubevirt.io/api/core/v1"
)

const (
	restoreMessage         = `Cannot update VM runStrategy until restore "restore1" completes`
	snapshotVolumesMessage = `Cannot update vm disks or volumes until snapshot "snap1" completes`
	snapshotRunningMessage = `Cannot update vm running state until snapshot "snap1" completes`
)

// ruleVM is a stopped VM with one claim volume.
func ruleVM(mutate ...func(*virtv1.VirtualMachine)) *virtv1.VirtualMachine {
	vm := &virtv1.VirtualMachine{
		ObjectMeta: metav1.ObjectMeta{Name: "vm1", Namespace: "ns"},
		Spec: virtv1.VirtualMachineSpec{
			RunStrategy: ptr.To(virtv1.RunStrategyHalted),
			Template: &virtv1.VirtualMachineInstanceTemplateSpec{Spec: virtv1.VirtualMachineInstanceSpec{
				Volumes: []virtv1.Volume{claimVolume("disk0", "vm1-disk0")},
			}},
		},
	}
	for _, m := range mutate {
		m(vm)
	}
	return vm
}

func claimVolume(name, claim string) virtv1.Volume {
	return virtv1.Volume{Name: name, VolumeSource: virtv1.VolumeSource{
		PersistentVolumeClaim: &virtv1.PersistentVolumeClaimVolumeSource{
			PersistentVolumeClaimVolumeSource: corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim},
		},
	}}
}

func restoring(vm *virtv1.VirtualMachine)    { vm.Status.RestoreInProgress = ptr.To("restore1") }
func snapshotting(vm *virtv1.VirtualMachine) { vm.Status.SnapshotInProgress = ptr.To("snap1") }

func runStrategyOf(strategy virtv1.VirtualMachineRunStrategy) func(*virtv1.VirtualMachine) {
	return func(vm *virtv1.VirtualMachine) { vm.Spec.RunStrategy = ptr.To(strategy) }
}

func runningOf(running bool) func(*virtv1.VirtualMachine) {
	return func(vm *virtv1.VirtualMachine) { vm.Spec.RunStrategy, vm.Spec.Running = nil, ptr.To(running) }
}

func noRunRequest(vm *virtv1.VirtualMachine) { vm.Spec.RunStrategy, vm.Spec.Running = nil, nil }

func labelled(vm *virtv1.VirtualMachine) {
	vm.Spec.Template.ObjectMeta.Labels = map[string]string{"a": "b"}
}

func volumes(vols ...virtv1.Volume) func(*virtv1.VirtualMachine) {
	return func(vm *virtv1.VirtualMachine) { vm.Spec.Template.Spec.Volumes = vols }
}

func TestVMUpdateCauses(t *testing.T) {
	for _, tc := range []struct {
		name        string
		old, new    *virtv1.VirtualMachine
		wantMessage string // "" when the update passes
	}{
		{
			name: "no lock: run strategy and volumes change",
			old:  ruleVM(),
			new:  ruleVM(runStrategyOf(virtv1.RunStrategyAlways), volumes()),
		},

		// A restore holds the VM.
		{
			name:        "restore: run strategy changes",
			old:         ruleVM(restoring),
			new:         ruleVM(restoring, runStrategyOf(virtv1.RunStrategyAlways)),
			wantMessage: restoreMessage,
		},
		{
			name:        "restore: running false becomes true",
			old:         ruleVM(restoring, runningOf(false)),
			new:         ruleVM(restoring, runningOf(true)),
			wantMessage: restoreMessage,
		},
		{
			name:        "restore: the lock is read from the new object",
			old:         ruleVM(),
			new:         ruleVM(restoring, runStrategyOf(virtv1.RunStrategyAlways)),
			wantMessage: restoreMessage,
		},
		{
			name: "restore: the lock in the old object alone does not count",
			old:  ruleVM(restoring),
			new:  ruleVM(runStrategyOf(virtv1.RunStrategyAlways)),
		},
		{
			name: "restore: running false becomes runStrategy Halted, the same strategy",
			old:  ruleVM(restoring, runningOf(false)),
			new:  ruleVM(restoring),
		},
		{
			name: "restore: running true becomes runStrategy Always, the same strategy",
			old:  ruleVM(restoring, runningOf(true)),
			new:  ruleVM(restoring, runStrategyOf(virtv1.RunStrategyAlways)),
		},
		{
			name: "restore: volumes and labels change, run strategy does not",
			old:  ruleVM(restoring),
			new:  ruleVM(restoring, volumes(claimVolume("disk0", "restored-disk0")), labelled),
		},
		{
			name: "restore: both fields set on both sides, the unknown strategy twice",
			old:  ruleVM(restoring, runStrategyOf(virtv1.RunStrategyHalted), func(vm *virtv1.VirtualMachine) { vm.Spec.Running = ptr.To(false) }),
			new:  ruleVM(restoring, runStrategyOf(virtv1.RunStrategyAlways), func(vm *virtv1.VirtualMachine) { vm.Spec.Running = ptr.To(true) }),
		},
		{
			name: "restore: nothing changes",
			old:  ruleVM(restoring),
			new:  ruleVM(restoring),
		},

		// A snapshot holds the VM.
		{
			name:        "snapshot: a volume is added",
			old:         ruleVM(snapshotting),
			new:         ruleVM(snapshotting, volumes(claimVolume("disk0", "vm1-disk0"), claimVolume("disk1", "vm1-disk1"))),
			wantMessage: snapshotVolumesMessage,
		},
		{
			name:        "snapshot: a volume's claim changes",
			old:         ruleVM(snapshotting),
			new:         ruleVM(snapshotting, volumes(claimVolume("disk0", "other"))),
			wantMessage: snapshotVolumesMessage,
		},
		{
			name:        "snapshot: volumes are reordered",
			old:         ruleVM(snapshotting, volumes(claimVolume("a", "a"), claimVolume("b", "b"))),
			new:         ruleVM(snapshotting, volumes(claimVolume("b", "b"), claimVolume("a", "a"))),
			wantMessage: snapshotVolumesMessage,
		},
		{
			name:        "snapshot: volumes win over the run strategy",
			old:         ruleVM(snapshotting),
			new:         ruleVM(snapshotting, volumes(), runStrategyOf(virtv1.RunStrategyAlways)),
			wantMessage: snapshotVolumesMessage,
		},
		{
			name:        "snapshot: run strategy changes",
			old:         ruleVM(snapshotting),
			new:         ruleVM(snapshotting, runStrategyOf(virtv1.RunStrategyAlways)),
			wantMessage: snapshotRunningMessage,
		},
		{
			name:        "snapshot: running changes",
			old:         ruleVM(snapshotting, runningOf(false)),
			new:         ruleVM(snapshotting, runningOf(true)),
			wantMessage: snapshotRunningMessage,
		},
		{
			name:        "snapshot: running false becomes runStrategy Halted, a change of field",
			old:         ruleVM(snapshotting, runningOf(false)),
			new:         ruleVM(snapshotting),
			wantMessage: snapshotRunningMessage,
		},
		{
			name:        "snapshot: neither field set counts as a change",
			old:         ruleVM(snapshotting, noRunRequest),
			new:         ruleVM(snapshotting, noRunRequest, labelled),
			wantMessage: snapshotRunningMessage,
		},
		{
			name:        "snapshot and restore: the snapshot answers",
			old:         ruleVM(snapshotting, restoring),
			new:         ruleVM(snapshotting, restoring, runStrategyOf(virtv1.RunStrategyAlways)),
			wantMessage: snapshotRunningMessage,
		},
		{
			name: "snapshot: labels change, volumes and run strategy do not",
			old:  ruleVM(snapshotting),
			new:  ruleVM(snapshotting, labelled),
		},
		{
			name: "snapshot: running stays true",
			old:  ruleVM(snapshotting, runningOf(true)),
			new:  ruleVM(snapshotting, runningOf(true), labelled),
		},
		{
			name: "snapshot: no volumes becomes an empty list",
			old:  ruleVM(snapshotting, volumes()),
			new:  ruleVM(snapshotting, volumes([]virtv1.Volume{}...)),
		},
		{
			name: "snapshot: no template on either side",
			old:  ruleVM(snapshotting, func(vm *virtv1.VirtualMachine) { vm.Spec.Template = nil }),
			new:  ruleVM(snapshotting, func(vm *virtv1.VirtualMachine) { vm.Spec.Template = nil }),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			causes := vmUpdateCauses(tc.old, tc.new)
			if tc.wantMessage == "" {
				if len(causes) != 0 {
					t.Fatalf("want the update to pass; refused with %+v", causes)
				}
				return
			}
			want := metav1.StatusCause{Type: metav1.CauseTypeFieldValueNotSupported, Message: tc.wantMessage, Field: "spec"}
			if len(causes) != 1 || causes[0] != want {
				t.Fatalf("want the cause %+v; got %+v", want, causes)
			}
		})
	}
}

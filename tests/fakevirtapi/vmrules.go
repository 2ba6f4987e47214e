package fakevirtapi

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	virtv1 "kubevirt.io/api/core/v1"
)

// The rules below are the part of virt-api's VirtualMachine validation that
// vmsnap meets: while a snapshot or a restore holds a VM (the VM's
// status.snapshotInProgress or status.restoreInProgress names it), some spec
// changes are refused. They are written here from KubeVirt's behaviour; the
// messages are KubeVirt's own, word for word, so that users and the
// controller see the answers they would see in production.

// vmUpdateCauses are the reasons to refuse an update of a VirtualMachine
// from oldVM to newVM; none if it may pass. The snapshot rule is checked
// first and only its answer is given, as KubeVirt v1.9 does
// (pkg/storage/admitters/vm-storage-admitter.go, AdmitStatus).
func vmUpdateCauses(oldVM, newVM *virtv1.VirtualMachine) []metav1.StatusCause {
	if causes := snapshotLockCauses(oldVM, newVM); len(causes) > 0 {
		return causes
	}
	return restoreLockCauses(oldVM, newVM)
}

// restoreLockCauses follows KubeVirt v1.9,
// pkg/storage/admitters/vm-storage-status.go (validateRestoreStatus): while
// a restore holds the VM, the spec may change but not the run strategy it
// asks for. KubeVirt first checks whether the spec changed at all; the run
// strategy is a function of the spec, so comparing it alone is the same
// rule.
func restoreLockCauses(oldVM, newVM *virtv1.VirtualMachine) []metav1.StatusCause {
	restore := newVM.Status.RestoreInProgress
	if restore == nil || runStrategy(oldVM) == runStrategy(newVM) {
		return nil
	}
	return []metav1.StatusCause{specCause(fmt.Sprintf("Cannot update VM runStrategy until restore %q completes", *restore))}
}

// runStrategy is the run strategy a VM's spec asks for, spec.running
// translated, through KubeVirt's own VirtualMachine.RunStrategy. A spec that
// sets both fields gets the empty "unknown" strategy, which KubeVirt's rule
// compares like any other.
func runStrategy(vm *virtv1.VirtualMachine) virtv1.VirtualMachineRunStrategy {
	strategy, _ := vm.RunStrategy()
	return strategy
}

// snapshotLockCauses follows KubeVirt v1.9,
// pkg/storage/admitters/vm-storage-status.go (validateSnapshotStatus): while
// a snapshot holds the VM, neither its volumes nor whether it runs may
// change.
func snapshotLockCauses(oldVM, newVM *virtv1.VirtualMachine) []metav1.StatusCause {
	snapshot := newVM.Status.SnapshotInProgress
	switch {
	case snapshot == nil:
		return nil
	case !equality.Semantic.DeepEqual(templateVolumes(oldVM), templateVolumes(newVM)):
		return []metav1.StatusCause{specCause(fmt.Sprintf("Cannot update vm disks or volumes until snapshot %q completes", *snapshot))}
	case !sameRunRequest(&oldVM.Spec, &newVM.Spec):
		return []metav1.StatusCause{specCause(fmt.Sprintf("Cannot update vm running state until snapshot %q completes", *snapshot))}
	}
	return nil
}

// templateVolumes are the volumes of the VM's template. KubeVirt refuses a
// VM without a template before this rule runs; here it has no volumes.
func templateVolumes(vm *virtv1.VirtualMachine) []virtv1.Volume {
	if vm.Spec.Template == nil {
		return nil
	}
	return vm.Spec.Template.Spec.Volumes
}

// sameRunRequest compares the field both specs use to say whether the VM
// runs: spec.running if both set it, else spec.runStrategy if both set that.
// Anything else, such as a switch from one field to the other even to the
// same effect, counts as a change, as in KubeVirt.
func sameRunRequest(oldSpec, newSpec *virtv1.VirtualMachineSpec) bool {
	switch {
	case oldSpec.Running != nil && newSpec.Running != nil:
		return *oldSpec.Running == *newSpec.Running
	case oldSpec.RunStrategy != nil && newSpec.RunStrategy != nil:
		return *oldSpec.RunStrategy == *newSpec.RunStrategy
	}
	return false
}

// specCause blames the spec, with the cause type KubeVirt gives these
// refusals.
func specCause(message string) metav1.StatusCause {
	return metav1.StatusCause{Type: metav1.CauseTypeFieldValueNotSupported, Message: message, Field: "spec"}
}

package controller

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"
)

// A VM with a persistent TPM or persistent EFI variables keeps that state
// in a claim KubeVirt makes for it (its backend storage), not in a VM
// volume. KubeVirt finds it by a label naming the VM, among the claims not
// being deleted, and falls back to a claim of a legacy name.
const (
	// LabelPersistentStateFor names, on a backend-storage claim, the VM
	// whose state it holds.
	LabelPersistentStateFor = "persistent-state-for"
	// PersistentStateVolumeName is the volume name under which a content
	// holds the backup of the backend-storage claim. Its dots make it no
	// DNS label: a VM volume becomes a volume of its launcher pod, whose
	// name must be one, so no VM volume can take it (planners check anyway).
	PersistentStateVolumeName = "persistent-state.vmsnap.io"
)

// NeedsPersistentState reports whether KubeVirt keeps state of the VM in a
// backend-storage claim: a persistent TPM or persistent EFI variables.
func NeedsPersistentState(spec *kubevirtv1.VirtualMachineInstanceSpec) bool {
	if spec == nil {
		return false
	}
	tpm := spec.Domain.Devices.TPM
	if tpm != nil && tpm.Persistent != nil && *tpm.Persistent {
		return true
	}
	fw := spec.Domain.Firmware
	return fw != nil && fw.Bootloader != nil && fw.Bootloader.EFI != nil &&
		fw.Bootloader.EFI.Persistent != nil && *fw.Bootloader.EFI.Persistent
}

// LegacyPersistentStateClaimName is the name KubeVirt gave a VM's
// backend-storage claim before it labelled them.
func LegacyPersistentStateClaimName(vmName string) string {
	return LabelPersistentStateFor + "-" + vmName
}

// PersistentStateClaims returns, among the claims of the VM's namespace,
// those KubeVirt would take as the VM's backend storage, in name order: the
// claims labelled for the VM, or else the one of the legacy name; claims
// being deleted are not. More than one is ambiguous (KubeVirt would take
// any of them).
func PersistentStateClaims(claims []*corev1.PersistentVolumeClaim, vmName string) []*corev1.PersistentVolumeClaim {
	var labelled []*corev1.PersistentVolumeClaim
	var legacy *corev1.PersistentVolumeClaim
	for _, claim := range claims {
		switch {
		case claim.DeletionTimestamp != nil:
		case claim.Labels[LabelPersistentStateFor] == vmName:
			labelled = append(labelled, claim)
		case claim.Name == LegacyPersistentStateClaimName(vmName):
			legacy = claim
		}
	}
	if len(labelled) == 0 && legacy != nil {
		return []*corev1.PersistentVolumeClaim{legacy}
	}
	sort.Slice(labelled, func(i, j int) bool { return labelled[i].Name < labelled[j].Name })
	return labelled
}

// IsPersistentStateClaimOf reports whether a claim is, by label or legacy
// name, the backend storage of the named VM.
func IsPersistentStateClaimOf(claim *corev1.PersistentVolumeClaim, vmName string) bool {
	return claim.Labels[LabelPersistentStateFor] == vmName || claim.Name == LegacyPersistentStateClaimName(vmName)
}

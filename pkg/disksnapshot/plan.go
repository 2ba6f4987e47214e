package disksnapshot

import (
	"fmt"
	"sort"
	"strings"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"
	cdiv1 "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/freeze"
	"vmsnap.io/vmsnap/pkg/snapshotclass"
)

// Reasons a snapshot waits (and fails with, at its deadline).
const (
	ReasonDiskNotFound      = "DiskNotFound"
	ReasonDiskNotReady      = "DiskNotReady"
	ReasonDiskResizing      = "DiskResizing"
	ReasonDiskDeleting      = "DiskDeleting"
	ReasonNoGuestAgent      = "NoGuestAgent"
	ReasonPaused            = "VirtualMachinePaused"
	ReasonNotSettled        = "VirtualMachineStarting"
	ReasonSharedDisk        = "DiskSharedByRunningVMs"
	ReasonWaitingForVM      = "WaitingForOtherSnapshot"
	ReasonKubeVirtNotSynced = "KubeVirtNotSynced"
	ReasonVolumeSnapshotAPI = "VolumeSnapshotAPIMissing"
)

// blocker is why a snapshot cannot start now.
type blocker struct {
	reason  string
	message string
}

// diskInputs are the observed objects the disk checks read.
type diskInputs struct {
	spec *snapshotapi.VirtualDiskSnapshotSpec
	// claim is the disk's claim, nil when it does not exist.
	claim *corev1.PersistentVolumeClaim
	// dataVolume is the DataVolume of the disk's name, nil when there is
	// none or CDI is not installed.
	dataVolume      *cdiv1.DataVolume
	storageClass    func(name string) *storagev1.StorageClass
	snapshotClasses []*snapshotv1.VolumeSnapshotClass
}

// checkDisk returns the VolumeSnapshotClass for the disk, or what stops it
// from being snapshotted now.
func checkDisk(in diskInputs) (string, *blocker) {
	name := in.spec.VirtualDiskName
	if dv := in.dataVolume; dv != nil && dv.Status.Phase != cdiv1.Succeeded {
		return "", &blocker{ReasonDiskNotReady, fmt.Sprintf("DataVolume %s is %s, not Succeeded", name, controller.PhaseOr(string(dv.Status.Phase)))}
	}
	claim := in.claim
	switch {
	case claim == nil:
		return "", &blocker{ReasonDiskNotFound, fmt.Sprintf("no PersistentVolumeClaim or DataVolume %s exists in the namespace", name)}
	case claim.DeletionTimestamp != nil:
		return "", &blocker{ReasonDiskDeleting, fmt.Sprintf("PersistentVolumeClaim %s is being deleted; a claim being deleted cannot be snapshotted", name)}
	case claim.Status.Phase != corev1.ClaimBound:
		return "", &blocker{ReasonDiskNotReady, fmt.Sprintf("PersistentVolumeClaim %s is %s, not Bound", name, controller.PhaseOr(string(claim.Status.Phase)))}
	case controller.ClaimResizing(claim):
		return "", &blocker{ReasonDiskResizing, fmt.Sprintf("PersistentVolumeClaim %s is being resized; the snapshot waits until the resize is done", name)}
	}

	scName := ptr.Deref(claim.Spec.StorageClassName, "")
	sc := in.storageClass(scName)
	if sc == nil {
		return "", &blocker{snapshotclass.ReasonNone, fmt.Sprintf(
			"StorageClass %q of PersistentVolumeClaim %s does not exist, so no VolumeSnapshotClass can be chosen", scName, name)}
	}
	class, err := snapshotclass.Choose(sc, ptr.Deref(in.spec.VolumeSnapshotClassName, ""), in.snapshotClasses)
	if err != nil {
		return "", &blocker{err.Reason, err.Message}
	}
	return class, nil
}

// attachment is a VM the disk is attached to.
type attachment struct {
	name string
	// vm is nil for a VM instance that has no VM.
	vm *kubevirtv1.VirtualMachine
	// vmi is nil when the VM is not running.
	vmi *kubevirtv1.VirtualMachineInstance
}

// consistencyPlan is how the disk is snapshotted, given the VMs it is
// attached to.
type consistencyPlan struct {
	// vmName is the VM recorded in the status, if the disk has one.
	vmName string
	// freeze is the running VM whose guest agent freezes the disk, if any.
	freeze *attachment
	// indications describe the VM at the start of the snapshot.
	indications []snapshotapi.Indication
	blocker     *blocker
}

// planConsistency decides how consistent the snapshot can be. holder is the
// name this snapshot takes the VM lock under.
func planConsistency(required bool, holder string, attached []attachment) consistencyPlan {
	sort.Slice(attached, func(i, j int) bool { return attached[i].name < attached[j].name })
	var plan consistencyPlan
	if len(attached) == 1 {
		plan.vmName = attached[0].name
	}
	var running []attachment
	modes := map[string]freeze.Mode{}
	for _, a := range attached {
		if mode := freeze.DecideMode(a.vmi); mode != freeze.Offline {
			running = append(running, a)
			modes[a.name] = mode
		}
	}
	online := snapshotapi.Indication{Type: snapshotapi.IndicationOnline, Message: "the VM was running"}

	switch {
	case len(running) == 0:
		return plan // attached to no running VM: the disk is quiet
	case len(running) > 1:
		names := make([]string, 0, len(running))
		for _, r := range running {
			names = append(names, r.name)
		}
		if required {
			plan.blocker = &blocker{ReasonSharedDisk, fmt.Sprintf(
				"the disk is attached to several running VMs (%s), whose filesystems cannot be frozen together; "+
					"stop all but one, or set requiredConsistency: false for a crash-consistent snapshot", strings.Join(names, ", "))}
			return plan
		}
		online.Message = "the disk was attached to several running VMs (" + strings.Join(names, ", ") + ") and was not frozen: the snapshot is crash-consistent"
		plan.indications = []snapshotapi.Indication{online}
		return plan
	}

	r := running[0]
	plan.vmName = r.name
	switch modes[r.name] {
	case freeze.Starting:
		plan.blocker = &blocker{ReasonNotSettled, fmt.Sprintf("VM %s is starting; the snapshot waits until it runs or stops", r.name)}
	case freeze.Paused:
		if required {
			plan.blocker = &blocker{ReasonPaused, fmt.Sprintf("VM %s is paused, so its filesystems cannot be frozen; "+
				"unpause or stop it, or set requiredConsistency: false for a crash-consistent snapshot", r.name)}
			return plan
		}
		plan.indications = []snapshotapi.Indication{online, {Type: snapshotapi.IndicationPaused,
			Message: "the VM was paused: the snapshot is crash-consistent"}}
	case freeze.NoAgent:
		if required {
			plan.blocker = &blocker{ReasonNoGuestAgent, fmt.Sprintf("VM %s is running without a connected guest agent, so its filesystems cannot be frozen; "+
				"stop the VM, connect the guest agent, or set requiredConsistency: false for a crash-consistent snapshot", r.name)}
			return plan
		}
		plan.indications = []snapshotapi.Indication{online, {Type: snapshotapi.IndicationNoGuestAgent,
			Message: "no guest agent was connected: the snapshot is crash-consistent"}}
	case freeze.Freeze:
		if r.vm != nil {
			if other, busy := freeze.HeldByOther(r.vm, holder); busy {
				plan.blocker = &blocker{ReasonWaitingForVM, fmt.Sprintf(
					"VM %s is held by %q for another snapshot; this one waits its turn", r.name, other)}
				return plan
			}
		}
		plan.freeze = &r
		plan.indications = []snapshotapi.Indication{online, {Type: snapshotapi.IndicationGuestAgent,
			Message: "the guest agent froze the filesystems for the cut"}}
	}
	return plan
}

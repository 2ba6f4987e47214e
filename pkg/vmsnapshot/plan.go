package vmsnapshot

import (
	"fmt"
	"sort"
	"strings"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"
	cdiv1 "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/snapshotclass"
)

// Reasons a snapshot waits (and fails with, at its deadline).
const (
	ReasonSourceNotFound    = "SourceNotFound"
	ReasonDiskNotReady      = "DiskNotReady"
	ReasonDiskResizing      = "DiskResizing"
	ReasonRestartRequired   = "RestartRequired"
	ReasonNoGuestAgent      = "NoGuestAgent"
	ReasonPaused            = "VirtualMachinePaused"
	ReasonNotSettled        = "VirtualMachineStarting"
	ReasonWaitingForVM      = "WaitingForOtherSnapshot"
	ReasonRestoreInProgress = "RestoreInProgress"
	ReasonVolumeSnapshotAPI = "VolumeSnapshotAPIMissing"
	ReasonQuiesceFailed     = "QuiesceFailed"
	ReasonSnapshotFailed    = "VolumeSnapshotFailed"
	ReasonContentUnbound    = "ContentNotBindable"
)

// blocker is why a snapshot cannot start now.
type blocker struct {
	reason  string
	message string
}

// plannedVolume is one disk to snapshot.
type plannedVolume struct {
	volumeName          string
	claim               *corev1.PersistentVolumeClaim
	dataVolumeName      string
	volumeSnapshotClass string
}

// volumePlan is what a VM snapshot will capture.
type volumePlan struct {
	included []plannedVolume
	excluded []snapshotapi.ExcludedVolume
	blockers []blocker
	// partial is set when snapshottable-only selection left disks out.
	partial []string
}

// planInputs are the observed objects a plan is computed from.
type planInputs struct {
	spec            *snapshotapi.VirtualMachineSnapshotSpec
	vm              *kubevirtv1.VirtualMachine
	vmi             *kubevirtv1.VirtualMachineInstance // nil when the VM is not running
	claim           func(name string) *corev1.PersistentVolumeClaim
	dataVolume      func(name string) *cdiv1.DataVolume // nil func when CDI is not installed
	storageClass    func(name string) *storagev1.StorageClass
	snapshotClasses []*snapshotv1.VolumeSnapshotClass
	// persistentStateClaims are the claims KubeVirt would take as the VM's
	// backend storage (controller.PersistentStateClaims).
	persistentStateClaims func() []*corev1.PersistentVolumeClaim
}

// planVolumes decides which of the VM's volumes are snapshotted, which are
// left out and why, and what stops the snapshot from starting now.
func planVolumes(in planInputs) volumePlan {
	var plan volumePlan
	template := in.vm.Spec.Template
	if template == nil {
		return plan
	}
	inVMSpec := map[string]bool{}
	for _, vol := range template.Spec.Volumes {
		inVMSpec[vol.Name] = true
		claimName, dataVolumeName, why := persistentClaim(vol)
		if why != "" {
			plan.excluded = append(plan.excluded, snapshotapi.ExcludedVolume{Name: vol.Name, Reason: why})
			continue
		}
		plan.addDisk(vol.Name)(planDisk(in, vol.Name, claimName, dataVolumeName))
	}
	// Volumes hotplugged into the running VMI only are not part of the VM.
	if in.vmi != nil {
		for _, vol := range in.vmi.Spec.Volumes {
			if !inVMSpec[vol.Name] {
				plan.excluded = append(plan.excluded, snapshotapi.ExcludedVolume{
					Name:   vol.Name,
					Reason: "hotplugged into the running VM instance only; it is not persistent in the VM spec",
				})
			}
		}
	}
	planPersistentState(in, &plan, inVMSpec)
	if c := condition(in.vm.Status.Conditions, kubevirtv1.VirtualMachineRestartRequired); c != nil && c.Status == corev1.ConditionTrue {
		plan.blockers = append(plan.blockers, blocker{ReasonRestartRequired,
			"the VM has changes that wait for a restart (RestartRequired); restart or revert it first"})
	}
	sort.Slice(plan.excluded, func(i, j int) bool { return plan.excluded[i].Name < plan.excluded[j].Name })
	return plan
}

// planPersistentState adds the VM's backend-storage claim, where KubeVirt
// keeps a persistent TPM's or EFI variables' state, as one more volume
// (controller.PersistentStateVolumeName): it is cut with the disks, in the
// same freeze window, and chosen a class like any claim. A VM that never
// ran has no such claim yet, and so no state: that is recorded as an
// exclusion, not waited for.
func planPersistentState(in planInputs, plan *volumePlan, inVMSpec map[string]bool) {
	if in.vm.Spec.Template == nil || !controller.NeedsPersistentState(&in.vm.Spec.Template.Spec) {
		return
	}
	name := controller.PersistentStateVolumeName
	if inVMSpec[name] {
		plan.blockers = append(plan.blockers, blocker{ReasonNameConflict, fmt.Sprintf(
			"the VM has a volume named %s, the name a snapshot reserves for its persistent TPM or EFI state; rename the volume", name)})
		return
	}
	var claims []*corev1.PersistentVolumeClaim
	if in.persistentStateClaims != nil {
		claims = in.persistentStateClaims()
	}
	switch len(claims) {
	case 0:
		plan.excluded = append(plan.excluded, snapshotapi.ExcludedVolume{Name: name, Reason: fmt.Sprintf(
			"the VM keeps a persistent TPM or EFI state, but KubeVirt has not made its PersistentVolumeClaim (label %s=%s) yet: "+
				"the VM has never run, so there is no state to keep", controller.LabelPersistentStateFor, in.vm.Name)})
		return
	case 1:
	default:
		names := make([]string, 0, len(claims))
		for _, c := range claims {
			names = append(names, c.Name)
		}
		plan.blockers = append(plan.blockers, blocker{ReasonDiskNotReady, fmt.Sprintf(
			"PersistentVolumeClaims %s all carry the label %s=%s (a migration is under way?); the snapshot waits until one holds the VM's persistent state",
			strings.Join(names, ", "), controller.LabelPersistentStateFor, in.vm.Name)})
		return
	}
	plan.addDisk(name)(planDisk(in, name, claims[0].Name, ""))
}

// addDisk returns the function that records planDisk's answer for a volume:
// included, waited for, or (snapshottable-only selection) left out.
func (plan *volumePlan) addDisk(volumeName string) func(plannedVolume, *blocker, string) {
	return func(pv plannedVolume, b *blocker, excludedWhy string) {
		switch {
		case b != nil:
			plan.blockers = append(plan.blockers, *b)
		case excludedWhy != "":
			plan.excluded = append(plan.excluded, snapshotapi.ExcludedVolume{Name: volumeName, Reason: excludedWhy})
			plan.partial = append(plan.partial, volumeName)
		default:
			plan.included = append(plan.included, pv)
		}
	}
}

// persistentClaim returns the claim behind a persistent volume, or why the
// volume is not snapshotted.
func persistentClaim(vol kubevirtv1.Volume) (claimName, dataVolumeName, excludedWhy string) {
	src := vol.VolumeSource
	switch {
	case src.PersistentVolumeClaim != nil:
		return src.PersistentVolumeClaim.ClaimName, "", ""
	case src.DataVolume != nil:
		return src.DataVolume.Name, src.DataVolume.Name, ""
	case src.ContainerDisk != nil:
		return "", "", "containerDisk volumes are ephemeral: their data comes from the image"
	case src.CloudInitNoCloud != nil, src.CloudInitConfigDrive != nil:
		return "", "", "cloud-init data is kept with the VM configuration, not as a disk"
	case src.Ephemeral != nil:
		return "", "", "ephemeral volumes are discarded when the VM stops"
	case src.EmptyDisk != nil:
		return "", "", "emptyDisk volumes are temporary"
	case src.HostDisk != nil:
		return "", "", "hostDisk volumes live on one node and cannot be snapshotted"
	case src.MemoryDump != nil:
		return "", "", "memory dump volumes are not snapshotted"
	case src.Secret != nil, src.ConfigMap != nil, src.ServiceAccount != nil, src.DownwardAPI != nil,
		src.DownwardMetrics != nil, src.Sysprep != nil:
		return "", "", "configuration volumes are kept with the VM configuration, not as disks"
	default:
		return "", "", "not a persistent volume"
	}
}

// planDisk checks one persistent disk. It returns the planned volume, or a
// blocker, or (with snapshottable-only selection) why the disk is left out.
func planDisk(in planInputs, volumeName, claimName, dataVolumeName string) (plannedVolume, *blocker, string) {
	pv := plannedVolume{volumeName: volumeName, dataVolumeName: dataVolumeName}
	if dataVolumeName != "" && in.dataVolume != nil {
		if dv := in.dataVolume(dataVolumeName); dv != nil && dv.Status.Phase != cdiv1.Succeeded {
			return pv, &blocker{ReasonDiskNotReady, fmt.Sprintf(
				"DataVolume %s of volume %s is %s, not Succeeded", dataVolumeName, volumeName, controller.PhaseOr(string(dv.Status.Phase)))}, ""
		}
	}
	claim := in.claim(claimName)
	if claim == nil {
		return pv, &blocker{ReasonDiskNotReady, fmt.Sprintf(
			"PersistentVolumeClaim %s of volume %s does not exist", claimName, volumeName)}, ""
	}
	pv.claim = claim
	if claim.DeletionTimestamp != nil {
		return pv, &blocker{ReasonDiskNotReady, fmt.Sprintf(
			"PersistentVolumeClaim %s of volume %s is being deleted", claimName, volumeName)}, ""
	}
	if claim.Status.Phase != corev1.ClaimBound {
		return pv, &blocker{ReasonDiskNotReady, fmt.Sprintf(
			"PersistentVolumeClaim %s of volume %s is %s, not Bound", claimName, volumeName, controller.PhaseOr(string(claim.Status.Phase)))}, ""
	}
	if controller.ClaimResizing(claim) {
		return pv, &blocker{ReasonDiskResizing, fmt.Sprintf(
			"PersistentVolumeClaim %s of volume %s is being resized", claimName, volumeName)}, ""
	}

	scName := ""
	if claim.Spec.StorageClassName != nil {
		scName = *claim.Spec.StorageClassName
	}
	sc := in.storageClass(scName)
	if sc == nil {
		why := fmt.Sprintf("StorageClass %q of PersistentVolumeClaim %s does not exist, so no VolumeSnapshotClass can be chosen", scName, claimName)
		return unsnapshottable(in.spec, volumeName, snapshotclass.ReasonNone, why)
	}
	requested, _ := in.spec.VolumeSnapshotClassFor(sc.Name)
	class, err := snapshotclass.Choose(sc, requested, in.snapshotClasses)
	if err != nil {
		return unsnapshottable(in.spec, volumeName, err.Reason, err.Message)
	}
	pv.volumeSnapshotClass = class
	return pv, nil, ""
}

// unsnapshottable turns "no class for this disk" into a blocker (volume
// selection All) or an exclusion (SnapshottableOnly).
func unsnapshottable(spec *snapshotapi.VirtualMachineSnapshotSpec, volumeName, reason, why string) (plannedVolume, *blocker, string) {
	if spec.GetVolumeSelection() == snapshotapi.VolumeSelectionSnapshottableOnly {
		return plannedVolume{}, nil, why
	}
	return plannedVolume{}, &blocker{reason, fmt.Sprintf("volume %s cannot be snapshotted: %s", volumeName, why)}, ""
}

func condition(conds []kubevirtv1.VirtualMachineCondition, t kubevirtv1.VirtualMachineConditionType) *kubevirtv1.VirtualMachineCondition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}

// joinBlockers renders blockers for a condition message.
func joinBlockers(bs []blocker) (reason, message string) {
	if len(bs) == 0 {
		return "", ""
	}
	msgs := make([]string, 0, len(bs))
	for _, b := range bs {
		msgs = append(msgs, b.message)
	}
	return bs[0].reason, strings.Join(msgs, "; ")
}

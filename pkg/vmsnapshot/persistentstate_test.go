package vmsnapshot

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/freeze"
)

// withPersistentTPM and withPersistentEFI give the VM state KubeVirt keeps
// in a backend-storage claim.
func withPersistentTPM(vm *kubevirtv1.VirtualMachine) *kubevirtv1.VirtualMachine {
	vm.Spec.Template.Spec.Domain.Devices.TPM = &kubevirtv1.TPMDevice{Persistent: ptr.To(true)}
	return vm
}

func withPersistentEFI(vm *kubevirtv1.VirtualMachine) *kubevirtv1.VirtualMachine {
	vm.Spec.Template.Spec.Domain.Firmware = &kubevirtv1.Firmware{Bootloader: &kubevirtv1.Bootloader{
		EFI: &kubevirtv1.EFI{Persistent: ptr.To(true)},
	}}
	return vm
}

func stateClaim(name, vmName string) *corev1.PersistentVolumeClaim {
	claim := boundClaim(name, "fast")
	if vmName != "" {
		claim.Labels = map[string]string{controller.LabelPersistentStateFor: vmName}
	}
	return claim
}

func TestPlanPersistentState(t *testing.T) {
	deleting := stateClaim("persistent-state-for-vm-old", "vm")
	deleting.DeletionTimestamp = ptr.To(metav1.Now())
	pending := stateClaim("persistent-state-for-vm-abcde", "vm")
	pending.Status.Phase = corev1.ClaimPending
	noClass := stateClaim("persistent-state-for-vm-abcde", "vm")
	noClass.Spec.StorageClassName = ptr.To("nosnaps")

	for _, tc := range []struct {
		name   string
		vm     *kubevirtv1.VirtualMachine
		claims []*corev1.PersistentVolumeClaim
		spec   snapshotapi.VirtualMachineSnapshotSpec
		// wantClaim is the claim snapshotted under the reserved volume name.
		wantClaim    string
		wantExcluded string
		wantBlocker  string
	}{
		{name: "no persistent device: a labelled claim is not the VM's state",
			vm: vmWithVolumes(pvcVolume("root", "root-pvc")), claims: []*corev1.PersistentVolumeClaim{stateClaim("persistent-state-for-vm-abcde", "vm")}},
		{name: "persistent TPM: the labelled claim", vm: withPersistentTPM(vmWithVolumes(pvcVolume("root", "root-pvc"))),
			claims:    []*corev1.PersistentVolumeClaim{stateClaim("persistent-state-for-vm-abcde", "vm"), stateClaim("persistent-state-for-other-x", "other")},
			wantClaim: "persistent-state-for-vm-abcde"},
		{name: "persistent EFI: the labelled claim, not one being deleted", vm: withPersistentEFI(vmWithVolumes(pvcVolume("root", "root-pvc"))),
			claims:    []*corev1.PersistentVolumeClaim{deleting, stateClaim("persistent-state-for-vm-abcde", "vm")},
			wantClaim: "persistent-state-for-vm-abcde"},
		{name: "a labelled claim wins over the legacy name", vm: withPersistentTPM(vmWithVolumes(pvcVolume("root", "root-pvc"))),
			claims:    []*corev1.PersistentVolumeClaim{stateClaim("persistent-state-for-vm", ""), stateClaim("persistent-state-for-vm-abcde", "vm")},
			wantClaim: "persistent-state-for-vm-abcde"},
		{name: "the legacy name when none is labelled", vm: withPersistentTPM(vmWithVolumes(pvcVolume("root", "root-pvc"))),
			claims: []*corev1.PersistentVolumeClaim{stateClaim("persistent-state-for-vm", "")}, wantClaim: "persistent-state-for-vm"},
		{name: "never ran: left out, not waited for", vm: withPersistentTPM(vmWithVolumes(pvcVolume("root", "root-pvc"))),
			wantExcluded: "has not made its PersistentVolumeClaim"},
		{name: "two labelled claims: ambiguous", vm: withPersistentTPM(vmWithVolumes(pvcVolume("root", "root-pvc"))),
			claims:      []*corev1.PersistentVolumeClaim{stateClaim("persistent-state-for-vm-a", "vm"), stateClaim("persistent-state-for-vm-b", "vm")},
			wantBlocker: "persistent-state-for-vm-a, persistent-state-for-vm-b all carry the label"},
		{name: "claim not bound: waited for", vm: withPersistentTPM(vmWithVolumes(pvcVolume("root", "root-pvc"))),
			claims: []*corev1.PersistentVolumeClaim{pending}, wantBlocker: "Pending, not Bound"},
		{name: "no class, All", vm: withPersistentTPM(vmWithVolumes(pvcVolume("root", "root-pvc"))),
			claims: []*corev1.PersistentVolumeClaim{noClass}, wantBlocker: "volume persistent-state.vmsnap.io cannot be snapshotted"},
		{name: "no class, SnapshottableOnly", vm: withPersistentTPM(vmWithVolumes(pvcVolume("root", "root-pvc"))),
			claims: []*corev1.PersistentVolumeClaim{noClass}, spec: snapshotapi.VirtualMachineSnapshotSpec{VolumeSelection: snapshotapi.VolumeSelectionSnapshottableOnly},
			wantExcluded: "no VolumeSnapshotClass"},
		{name: "a VM volume of the reserved name", vm: withPersistentTPM(vmWithVolumes(pvcVolume(controller.PersistentStateVolumeName, "root-pvc"))),
			claims: []*corev1.PersistentVolumeClaim{stateClaim("persistent-state-for-vm-abcde", "vm")}, wantBlocker: "rename the volume",
			wantClaim: "root-pvc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all := append([]*corev1.PersistentVolumeClaim{boundClaim("root-pvc", "fast")}, tc.claims...)
			in := inputs(&tc.spec, tc.vm, all...)
			in.persistentStateClaims = func() []*corev1.PersistentVolumeClaim { return controller.PersistentStateClaims(all, tc.vm.Name) }
			plan := planVolumes(in)

			_, message := joinBlockers(plan.blockers)
			if tc.wantBlocker == "" && message != "" || !strings.Contains(message, tc.wantBlocker) {
				t.Fatalf("blockers %q, want one mentioning %q", message, tc.wantBlocker)
			}
			var got string
			for _, v := range plan.included {
				if v.volumeName == controller.PersistentStateVolumeName {
					got = v.claim.Name + "@" + v.volumeSnapshotClass
				}
			}
			if want := tc.wantClaim; want != "" {
				want += "@fast-snap"
				if got != want {
					t.Errorf("persistent state snapshotted from %q, want %q", got, want)
				}
			} else if got != "" {
				t.Errorf("persistent state snapshotted from %q, want nothing", got)
			}
			excluded := ""
			for _, e := range plan.excluded {
				if e.Name == controller.PersistentStateVolumeName {
					excluded = e.Reason
				}
			}
			if tc.wantExcluded == "" && excluded != "" || !strings.Contains(excluded, tc.wantExcluded) {
				t.Errorf("persistent state excluded for %q, want a reason mentioning %q", excluded, tc.wantExcluded)
			}
		})
	}
}

// The backup of the persistent state is one more volume of the content,
// cut with the disks: its claim, its class, its VolumeSnapshot.
func TestContentHoldsThePersistentState(t *testing.T) {
	vm := withPersistentTPM(vmWithVolumes(pvcVolume("root", "root-pvc")))
	claims := []*corev1.PersistentVolumeClaim{boundClaim("root-pvc", "fast"), stateClaim("persistent-state-for-vm-abcde", "vm")}
	in := inputs(&snapshotapi.VirtualMachineSnapshotSpec{}, vm, claims...)
	in.persistentStateClaims = func() []*corev1.PersistentVolumeClaim { return controller.PersistentStateClaims(claims, vm.Name) }
	snap := &snapshotapi.VirtualMachineSnapshot{ObjectMeta: metav1.ObjectMeta{Name: "snap", Namespace: "ns", UID: "snap-uid"}}
	content := newContent(snap, vm, nil, freeze.Offline, planVolumes(in), groupPlan{}, nil)

	var names []string
	for _, b := range content.Spec.VolumeBackups {
		names = append(names, b.VolumeName+"="+b.PersistentVolumeClaim.Name+"->"+ptr.Deref(b.VolumeSnapshotName, ""))
	}
	want := "root=root-pvc->vmsnapshot-snap-uid-root," +
		controller.PersistentStateVolumeName + "=persistent-state-for-vm-abcde->vmsnapshot-snap-uid-" + controller.PersistentStateVolumeName
	if got := strings.Join(names, ","); got != want {
		t.Fatalf("volume backups %s, want %s", got, want)
	}
	if got := content.Spec.VolumeBackups[1].PersistentVolumeClaim.Labels[controller.LabelPersistentStateFor]; got != "vm" {
		t.Errorf("the backup's claim template is labelled for %q, want vm", got)
	}
}

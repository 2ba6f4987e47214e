/*
Copyright The vmsnap Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package framework

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"
	cdiv1 "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"

	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// GrownDiskSize is a size above DiskSize, for ResizeClaim.
const GrownDiskSize = "2Gi"

// Builders that play the parts of KubeVirt, CDI and the storage a VM
// snapshot waits for: hotplugged disks, imports still running, claims not
// bound or being resized, VM conditions.

// WithHotplugPVCDisk adds a persistent hotplugged disk named volume on a new
// claim <vm>-<volume> of storageClass, as `virtctl addvolume --persist`
// leaves it in the VM spec.
func WithHotplugPVCDisk(volume, storageClass string) VMOption {
	return func(b *vmBuild) {
		WithPVCDisk(volume, storageClass)(b)
		spec := &b.vm.Spec.Template.Spec
		spec.Volumes[len(spec.Volumes)-1].PersistentVolumeClaim.Hotpluggable = true
		// KubeVirt hotplugs disks on the SCSI bus only.
		spec.Domain.Devices.Disks[len(spec.Domain.Devices.Disks)-1].Disk.Bus = kubevirtv1.DiskBusSCSI
	}
}

// WithExistingDataVolume adds a disk named volume on a DataVolume the test
// made, for instance with CreateDataVolumeInPhase.
func WithExistingDataVolume(volume, dataVolume string) VMOption {
	return func(b *vmBuild) {
		b.addVolume(kubevirtv1.Volume{Name: volume, VolumeSource: kubevirtv1.VolumeSource{
			DataVolume: &kubevirtv1.DataVolumeSource{Name: dataVolume},
		}})
	}
}

// CreateDataVolumeInPhase makes a DataVolume and its Bound claim on the
// cluster's StorageClass, and then reports phase, as CDI does while an
// import runs (ImportInProgress) or after it failed.
func (f *Framework) CreateDataVolumeInPhase(name string, phase cdiv1.DataVolumePhase) {
	f.t.Helper()
	f.createDataVolume(name, cluster.StorageClassName)
	dv, err := f.CDI.CdiV1beta1().DataVolumes(f.Namespace).Get(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatalf("reading DataVolume %s: %v", name, err)
	}
	dv.Status.Phase = phase
	dv.Status.Progress = "42.0%"
	if _, err := f.CDI.CdiV1beta1().DataVolumes(f.Namespace).UpdateStatus(f.ctx, dv, metav1.UpdateOptions{}); err != nil {
		f.t.Fatalf("setting DataVolume %s to phase %s: %v", name, phase, err)
	}
}

// CreatePendingClaim makes a claim on storageClass and does not wait for it
// to bind: for a StorageClass that binds late (see RebindLater) or does not
// exist, it stays Pending.
func (f *Framework) CreatePendingClaim(name, storageClass string) *corev1.PersistentVolumeClaim {
	f.t.Helper()
	created, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Create(f.ctx, f.newClaim(name, storageClass), metav1.CreateOptions{})
	if err != nil {
		f.t.Fatalf("creating PersistentVolumeClaim %s: %v", name, err)
	}
	return created
}

// ResizeClaim asks for a bigger claim, as a user expanding a disk does. No
// resizer runs here, so the claim stays "being resized" (its request above
// its capacity) until FinishResize.
func (f *Framework) ResizeClaim(name, size string) {
	f.t.Helper()
	patch := fmt.Appendf(nil, `{"spec":{"resources":{"requests":{"storage":%q}}}}`, size)
	if _, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Patch(f.ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		f.t.Fatalf("resizing PersistentVolumeClaim %s to %s: %v", name, size, err)
	}
}

// FinishResize plays the resizer completing an expansion: the claim's
// capacity becomes what it requests.
func (f *Framework) FinishResize(name string) {
	f.t.Helper()
	claim := f.GetClaim(name)
	claim.Status.Capacity = corev1.ResourceList{corev1.ResourceStorage: claim.Spec.Resources.Requests[corev1.ResourceStorage]}
	claim.Status.Conditions = nil
	claim.Status.AllocatedResources = nil
	claim.Status.AllocatedResourceStatuses = nil
	if _, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).UpdateStatus(f.ctx, claim, metav1.UpdateOptions{}); err != nil {
		f.t.Fatalf("completing the resize of PersistentVolumeClaim %s: %v", name, err)
	}
}

// UpdateVMStatus reads a VM, lets mutate change its status and writes it
// back, retrying on conflicts with the controller's writes (it marks
// status.snapshotInProgress).
func (f *Framework) UpdateVMStatus(name string, mutate func(*kubevirtv1.VirtualMachineStatus)) {
	f.t.Helper()
	f.Eventually("virtualmachine "+f.Namespace+"/"+name, "a status update without conflict", DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		vm, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		mutate(&vm.Status)
		_, err = f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).UpdateStatus(ctx, vm, metav1.UpdateOptions{})
		return err == nil, "", err
	})
}

// SetRestartRequired plays virt-controller reporting (or clearing) that the
// VM has changes which wait for a restart.
func (f *Framework) SetRestartRequired(name string, required bool) {
	f.t.Helper()
	f.UpdateVMStatus(name, func(st *kubevirtv1.VirtualMachineStatus) {
		st.Conditions = slices.DeleteFunc(st.Conditions, func(c kubevirtv1.VirtualMachineCondition) bool {
			return c.Type == kubevirtv1.VirtualMachineRestartRequired
		})
		if required {
			st.Conditions = append(st.Conditions, kubevirtv1.VirtualMachineCondition{
				Type:               kubevirtv1.VirtualMachineRestartRequired,
				Status:             corev1.ConditionTrue,
				Reason:             "NonLiveUpdate",
				Message:            "a non-live-updatable field was changed in the template spec",
				LastTransitionTime: metav1.Now(),
			})
		}
	})
}

// HotplugIntoVMI plays `virtctl addvolume` without --persist: the claim is
// attached to the running VM instance only, not added to the VM spec.
func (f *Framework) HotplugIntoVMI(vmName, volume, claimName string) {
	f.t.Helper()
	f.Eventually("virtualmachineinstance "+f.Namespace+"/"+vmName, "volume "+volume+" hotplugged", DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		vmi, err := f.KubeVirt.KubevirtV1().VirtualMachineInstances(f.Namespace).Get(ctx, vmName, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		vmi.Spec.Volumes = append(vmi.Spec.Volumes, kubevirtv1.Volume{Name: volume, VolumeSource: kubevirtv1.VolumeSource{
			PersistentVolumeClaim: &kubevirtv1.PersistentVolumeClaimVolumeSource{
				PersistentVolumeClaimVolumeSource: corev1.PersistentVolumeClaimVolumeSource{ClaimName: claimName},
				Hotpluggable:                      true,
			},
		}})
		vmi.Spec.Domain.Devices.Disks = append(vmi.Spec.Domain.Devices.Disks, kubevirtv1.Disk{
			Name: volume, DiskDevice: kubevirtv1.DiskDevice{Disk: &kubevirtv1.DiskTarget{Bus: kubevirtv1.DiskBusSCSI}},
		})
		vmi.Status.VolumeStatus = append(vmi.Status.VolumeStatus, kubevirtv1.VolumeStatus{
			Name: volume, Target: "sdb", Phase: kubevirtv1.VolumeReady, HotplugVolume: &kubevirtv1.HotplugVolumeStatus{},
		})
		// The VMI CRD has no status subresource: the status is written with the object.
		_, err = f.KubeVirt.KubevirtV1().VirtualMachineInstances(f.Namespace).Update(ctx, vmi, metav1.UpdateOptions{})
		return err == nil, "", err
	})
}

// WaitForVMSnapshotInProgress waits until the VM's status.snapshotInProgress
// names holder, or is unset if holder is empty.
func (f *Framework) WaitForVMSnapshotInProgress(vmName, holder string) {
	f.t.Helper()
	want := "status.snapshotInProgress=" + holder
	if holder == "" {
		want = "status.snapshotInProgress unset"
	}
	f.Eventually("virtualmachine "+f.Namespace+"/"+vmName, want, DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		vm, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, vmName, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return ptr.Deref(vm.Status.SnapshotInProgress, "") == holder, DescribeVM(vm), nil
	})
}

// RemoveVolumeSnapshotClass deletes a cluster-wide VolumeSnapshotClass,
// such as the cluster's default one, and returns a function that creates
// it again as it was. The class is created again after the test in any
// case, passed or failed: later tests need it. A test that calls this must
// not run in parallel with tests that take snapshots.
func (f *Framework) RemoveVolumeSnapshotClass(name string) (recreate func()) {
	f.t.Helper()
	classes := f.Snapshots.SnapshotV1().VolumeSnapshotClasses()
	saved, err := classes.Get(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatalf("reading VolumeSnapshotClass %s: %v", name, err)
	}
	saved.ObjectMeta = metav1.ObjectMeta{Name: saved.Name, Labels: saved.Labels, Annotations: saved.Annotations}
	if err := classes.Delete(f.ctx, name, metav1.DeleteOptions{}); err != nil {
		f.t.Fatalf("deleting VolumeSnapshotClass %s: %v", name, err)
	}
	f.WaitForGone("volumesnapshotclass "+name, func(ctx context.Context) (string, error) {
		_, err := classes.Get(ctx, name, metav1.GetOptions{})
		return "exists", err
	})
	recreate = func() {
		// Not the test's context: this also runs after the test ended.
		_, err := classes.Create(context.Background(), saved.DeepCopy(), metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			f.t.Errorf("creating VolumeSnapshotClass %s again: %v", name, err)
		}
	}
	f.t.Cleanup(recreate)
	return recreate
}

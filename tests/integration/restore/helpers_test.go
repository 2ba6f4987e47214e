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

package restore

import (
	"context"
	"fmt"
	"strings"
	"testing"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/restore"
	"vmsnap.io/vmsnap/tests/framework"
)

// newTest is framework.New that also logs the namespace's restores when the
// test fails.
func newTest(t *testing.T) *framework.Framework {
	f := framework.New(t)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("vmrestores in %s:\n%s", f.Namespace, f.DescribeRestores(context.Background()))
		}
	})
	return f
}

// readySnapshot snapshots a VM and waits until the snapshot can be restored
// and the VM is released: the controller writes Ready, then unlocks the VM,
// and KubeVirt's webhook refuses to start a VM that is still locked.
func readySnapshot(f *framework.Framework, name, vmName string, opts ...framework.SnapshotOption) *snapshotapi.VirtualMachineSnapshot {
	f.CreateSnapshot(name, vmName, opts...)
	s := f.WaitForSnapshotPhase(name, snapshotapi.SnapshotReady, framework.DefaultTimeout)
	f.WaitForVMSnapshotInProgress(vmName, "")
	return s
}

// waitReady waits as a user would, with kubectl, for the restore's Ready
// condition, and returns the restore.
func waitReady(t *testing.T, f *framework.Framework, name string) *snapshotapi.VirtualMachineRestore {
	t.Helper()
	if _, err := f.Kubectl("wait", "vmrestore/"+name, "--for=condition=Ready", "--timeout=60s"); err != nil {
		t.Fatalf("kubectl wait vmrestore/%s --for=condition=Ready: %v; the restore: %s", name, err, framework.DescribeRestore(f.GetRestore(name)))
	}
	r := f.GetRestore(name)
	if r.Status.Phase != snapshotapi.RestoreReady {
		t.Fatalf("vmrestore %s is Ready by its condition but in phase %s", name, r.Status.Phase)
	}
	return r
}

// condition returns a condition of the restore, or an empty one.
func condition(r *snapshotapi.VirtualMachineRestore, conditionType string) metav1.Condition {
	if c := meta.FindStatusCondition(r.Status.Conditions, conditionType); c != nil {
		return *c
	}
	return metav1.Condition{}
}

func resultOf(r *snapshotapi.VirtualMachineRestore, kind, name string) snapshotapi.RestoredResource {
	for _, x := range r.Status.Resources {
		if x.Kind == kind && x.Name == name {
			return x
		}
	}
	return snapshotapi.RestoredResource{Result: "<not listed>"}
}

// requireResults checks the result of each "Kind name" in status.resources,
// and that every result but Created explains itself.
func requireResults(t *testing.T, r *snapshotapi.VirtualMachineRestore, want map[string]snapshotapi.ResourceResult) {
	t.Helper()
	for key, result := range want {
		kind, name, _ := strings.Cut(key, " ")
		got := resultOf(r, kind, name)
		if got.Result != result {
			t.Errorf("vmrestore %s: %s is %s (%q), want %s", r.Name, key, got.Result, got.Message, result)
		}
		if result != snapshotapi.ResourceCreated && got.Message == "" {
			t.Errorf("vmrestore %s: %s is %s without a message", r.Name, key, got.Result)
		}
	}
}

// ownedBy selects the objects a restore created.
func ownedBy(r *snapshotapi.VirtualMachineRestore) string {
	return restore.LabelRestoreUID + "=" + string(r.UID)
}

// requireRestoredClaim checks that a claim was provisioned from the
// VolumeSnapshot, as both dataSource and dataSourceRef, asks for at least
// max(its original size, the snapshot's restoreSize), and names no old volume.
func requireRestoredClaim(t *testing.T, f *framework.Framework, r *snapshotapi.VirtualMachineRestore, claimName, volumeSnapshot string) *corev1.PersistentVolumeClaim {
	t.Helper()
	claim := f.GetClaim(claimName)
	ds, dsr := claim.Spec.DataSource, claim.Spec.DataSourceRef
	if ds == nil || dsr == nil || ds.Kind != "VolumeSnapshot" || ds.Name != volumeSnapshot || dsr.Kind != "VolumeSnapshot" || dsr.Name != volumeSnapshot ||
		ptr.Deref(ds.APIGroup, "") != snapshotv1.GroupName || ptr.Deref(dsr.APIGroup, "") != snapshotv1.GroupName {
		t.Errorf("claim %s: want dataSource and dataSourceRef = VolumeSnapshot %s; got %+v and %+v", claimName, volumeSnapshot, ds, dsr)
	}
	if claim.Labels[restore.LabelRestoreUID] != string(r.UID) {
		t.Errorf("claim %s: labels %v, want %s", claimName, claim.Labels, ownedBy(r))
	}
	vs, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).Get(f.Context(), volumeSnapshot, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading VolumeSnapshot %s: %v", volumeSnapshot, err)
	}
	want := resource.MustParse(framework.DiskSize)
	if vs.Status != nil && vs.Status.RestoreSize != nil && vs.Status.RestoreSize.Cmp(want) > 0 {
		want = *vs.Status.RestoreSize
	}
	if got := claim.Spec.Resources.Requests[corev1.ResourceStorage]; got.Cmp(want) != 0 {
		t.Errorf("claim %s requests %s; want max(original %s, restoreSize %v) = %s", claimName, got.String(), framework.DiskSize,
			vs.Status.RestoreSize, want.String())
	}
	return claim
}

// volumeClaim is the claim a VM volume uses.
func volumeClaim(vm *kubevirtv1.VirtualMachine, volume string) string {
	for _, v := range vm.Spec.Template.Spec.Volumes {
		if v.Name != volume {
			continue
		}
		switch {
		case v.PersistentVolumeClaim != nil:
			return v.PersistentVolumeClaim.ClaimName
		case v.DataVolume != nil:
			return v.DataVolume.Name
		}
	}
	return fmt.Sprintf("<no claim volume %s>", volume)
}

func volumeSnapshotOf(content *snapshotapi.VirtualMachineSnapshotContent, volume string) string {
	for _, b := range content.Spec.VolumeBackups {
		if b.VolumeName == volume {
			return ptr.Deref(b.VolumeSnapshotName, "")
		}
	}
	return ""
}

func memoryOf(vm *kubevirtv1.VirtualMachine) string {
	q := vm.Spec.Template.Spec.Domain.Resources.Requests[corev1.ResourceMemory]
	return q.String()
}

func restoreInProgress(vm *kubevirtv1.VirtualMachine) string {
	return ptr.Deref(vm.Status.RestoreInProgress, "")
}

func runStrategy(vm *kubevirtv1.VirtualMachine) kubevirtv1.VirtualMachineRunStrategy {
	return ptr.Deref(vm.Spec.RunStrategy, "")
}

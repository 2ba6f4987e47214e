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

package nocdi

import (
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"
	cdiv1 "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/restore"
	"vmsnap.io/vmsnap/pkg/vmsnapshot"
	"vmsnap.io/vmsnap/tests/framework"
)

// The tests run in the order of this file: those that need CDI absent
// first, then the one that installs it.

// Without CDI, a VM on claims is snapshotted while it runs with a guest
// agent, restored as a new VM, and, stopped, restored in place.
func TestClaimDisksWithoutCDI(t *testing.T) {
	f := framework.New(t)
	requireNoCDI(t, f)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2), framework.WithCloudInit())
	f.OwnClaimByVM(framework.ClaimName("vm", "disk0"), vm)
	f.StartVM(vm, true)

	// keepIPAddress Never: the copy runs beside the source, so it must not
	// take the MAC the source runs with.
	f.CreateSnapshot("snap", vm.Name, framework.WithKeepIPAddress(snapshotapi.KeepIPAddressNever))
	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	if !ptr.Deref(snap.Status.Consistent, false) || !hasIndication(snap, snapshotapi.IndicationGuestAgent) {
		t.Errorf("want a consistent snapshot through the guest agent; got %s", framework.DescribeSnapshot(snap))
	}
	content := f.ContentOf(snap)
	if len(content.Spec.VolumeBackups) != 2 {
		t.Fatalf("want 2 volumeBackups; got %+v", content.Spec.VolumeBackups)
	}
	for _, b := range content.Spec.VolumeBackups {
		if b.DataVolumeName != nil {
			t.Errorf("volume %s: dataVolumeName %q recorded for a claim volume", b.VolumeName, *b.DataVolumeName)
		}
	}

	f.CreateRestore("copy", "snap",
		framework.Rename("VirtualMachine", "vm", "vm2"),
		framework.Rename("PersistentVolumeClaim", framework.ClaimName("vm", "disk0"), "vm2-disk0"),
		framework.Rename("PersistentVolumeClaim", framework.ClaimName("vm", "disk1"), "vm2-disk1"),
		framework.Rename("Secret", framework.CloudInitSecretName("vm"), framework.CloudInitSecretName("vm2")))
	restoreReady(t, f, "copy")
	created := f.GetVM("vm2")
	for _, volume := range []string{"disk0", "disk1"} {
		requireRestoredClaim(t, f, "vm2-"+volume, volumeSnapshotOf(content, volume))
		if got := claimOf(created, volume); got != "vm2-"+volume {
			t.Errorf("new VM volume %s on claim %s, want vm2-%s", volume, got, volume)
		}
	}

	f.StopVM(vm)
	r := restoreReady(t, f, f.CreateRestore("inplace", "snap").Name)
	live := f.GetVM(vm.Name)
	for _, volume := range []string{"disk0", "disk1"} {
		claim := restore.RandomizedClaimName(r.UID, volume)
		requireRestoredClaim(t, f, claim, volumeSnapshotOf(content, volume))
		if got := claimOf(live, volume); got != claim {
			t.Errorf("VM volume %s on claim %s, want the restored %s", volume, got, claim)
		}
	}
	// The old claim the VM owned goes; the other stays.
	f.WaitForClaimGone(framework.ClaimName("vm", "disk0"))
	f.GetClaim(framework.ClaimName("vm", "disk1"))
}

// A restore that needs the DataVolume API waits for it, and goes on once
// CDI is installed, without a restart of the controller; from then on
// snapshots check a DataVolume's phase, and an in-place restore of a VM
// with dataVolumeTemplates makes the new DataVolume and deletes the old one.
func TestDataVolumesOnceCDIIsInstalled(t *testing.T) {
	f := framework.New(t)
	requireNoCDI(t, f)

	// Without CDI, a volume that names a DataVolume is snapshotted through
	// the claim of that name; the content still records the DataVolume.
	f.CreateClaim("vm-data", "")
	vm := f.CreateVM("vm", framework.WithExistingDataVolume("data", "vm-data"))
	f.CreateSnapshot("snap", vm.Name)
	content := f.ContentOf(f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout))
	if len(content.Spec.VolumeBackups) != 1 || ptr.Deref(content.Spec.VolumeBackups[0].DataVolumeName, "") != "vm-data" {
		t.Fatalf("volumeBackups %+v; want volume data on DataVolume vm-data", content.Spec.VolumeBackups)
	}
	f.CreateRestore("restore", "snap", framework.Rename("VirtualMachine", "vm", "vm2"), framework.Rename("DataVolume", "vm-data", "vm2-data"))
	waiting := f.WaitForRestoreCondition("restore", snapshotapi.ConditionReady, metav1.ConditionFalse, restore.ReasonAPIMissing, framework.DefaultTimeout)
	if msg := readyMessage(waiting); waiting.Status.Phase != snapshotapi.RestorePending || !strings.Contains(msg, "vm-data") || !strings.Contains(msg, "install CDI") {
		t.Errorf("without CDI: want Pending, naming DataVolume vm-data and asking to install CDI; got %s", framework.DescribeRestore(waiting))
	}
	if _, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(f.Context(), "vm2", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("VM vm2 was created while the restore waits for CDI (err %v)", err)
	}

	installed := time.Now()
	f.InstallCDI()
	restoreReady(t, f, "restore")
	t.Logf("the restore was Ready %s after CDI's CRDs were served", time.Since(installed).Round(100*time.Millisecond))
	vsName := volumeSnapshotOf(content, "data")
	requireRestoredClaim(t, f, "vm2-data", vsName)
	dv := f.GetDataVolume("vm2-data")
	if dv.Annotations[cdiv1.AnnPrePopulated] != "vm2-data" || dv.Spec.Source == nil || dv.Spec.Source.Snapshot == nil || dv.Spec.Source.Snapshot.Name != vsName {
		t.Errorf("DataVolume vm2-data: annotations %v source %+v; want pre-populated, from VolumeSnapshot %s", dv.Annotations, dv.Spec.Source, vsName)
	}
	if got := dataVolumeOf(f.GetVM("vm2"), "data"); got != "vm2-data" {
		t.Errorf("new VM volume data on DataVolume %q, want vm2-data", got)
	}

	// The snapshot controller reads DataVolumes now: one still importing
	// keeps a snapshot Pending until it has Succeeded.
	f.CreateDataVolumeInPhase("importing", cdiv1.ImportInProgress)
	f.CreateVM("importer", framework.WithExistingDataVolume("data", "importing"))
	f.CreateSnapshot("snap-importing", "importer")
	pending := f.WaitForSnapshotCondition("snap-importing", snapshotapi.ConditionReady, metav1.ConditionFalse, vmsnapshot.ReasonDiskNotReady, framework.DefaultTimeout)
	if c := meta.FindStatusCondition(pending.Status.Conditions, snapshotapi.ConditionReady); !strings.Contains(c.Message, "DataVolume importing") {
		t.Errorf("want the Ready condition to name DataVolume importing; got %s", framework.DescribeSnapshot(pending))
	}
	importing := f.GetDataVolume("importing")
	importing.Status.Phase, importing.Status.Progress = cdiv1.Succeeded, "100.0%"
	if _, err := f.CDI.CdiV1beta1().DataVolumes(f.Namespace).UpdateStatus(f.Context(), importing, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("marking DataVolume importing Succeeded: %v", err)
	}
	f.WaitForSnapshotPhase("snap-importing", snapshotapi.SnapshotReady, framework.DefaultTimeout)

	// A VM with dataVolumeTemplates restored in place: the restored
	// DataVolume is the VM's, and the old one goes.
	templated := f.CreateVM("templated", framework.WithDataVolumeTemplate("root"))
	f.CreateSnapshot("snap-templated", templated.Name)
	f.WaitForSnapshotPhase("snap-templated", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	inPlace := restoreReady(t, f, f.CreateRestore("inplace", "snap-templated").Name)
	name := restore.RandomizedClaimName(inPlace.UID, "root")
	live := f.GetVM(templated.Name)
	if restored := f.GetDataVolume(name); !metav1.IsControlledBy(restored, live) || restored.Annotations[cdiv1.AnnPrePopulated] != name {
		t.Errorf("DataVolume %s: owners %+v annotations %v; want controlled by VM templated and pre-populated", name, restored.OwnerReferences, restored.Annotations)
	}
	if got := dataVolumeOf(live, "root"); got != name {
		t.Errorf("VM volume root on DataVolume %q, want %s", got, name)
	}
	f.WaitForDataVolumeGone(framework.ClaimName(templated.Name, "root"))
}

// requireNoCDI checks that the cluster serves no cdi.kubevirt.io API: the
// suite starts without CDI, and only TestDataVolumesOnceCDIIsInstalled,
// which runs last, installs it.
func requireNoCDI(t *testing.T, f *framework.Framework) {
	t.Helper()
	groups, err := f.Kube.Discovery().ServerGroups()
	if err != nil {
		t.Fatalf("discovering API groups: %v", err)
	}
	for _, g := range groups.Groups {
		if g.Name == cdiv1.SchemeGroupVersion.Group {
			t.Fatalf("the cluster serves %s already: this test needs a cluster without CDI, and must run before TestDataVolumesOnceCDIIsInstalled", g.Name)
		}
	}
	if f.DataVolumeAPIServed() {
		t.Fatal("the DataVolume API is served")
	}
}

// restoreReady waits until a restore is Ready and returns it.
func restoreReady(t *testing.T, f *framework.Framework, name string) *snapshotapi.VirtualMachineRestore {
	t.Helper()
	r := f.WaitForRestorePhase(name, snapshotapi.RestoreReady, framework.DefaultTimeout)
	if !ptr.Deref(r.Status.Complete, false) {
		t.Errorf("vmrestore %s is Ready but not complete: %s", name, framework.DescribeRestore(r))
	}
	return r
}

// requireRestoredClaim checks that a claim was provisioned from the
// VolumeSnapshot and is bound.
func requireRestoredClaim(t *testing.T, f *framework.Framework, claimName, volumeSnapshot string) {
	t.Helper()
	claim := f.WaitForClaimBound(claimName)
	if ds := claim.Spec.DataSourceRef; ds == nil || ds.Kind != "VolumeSnapshot" || ds.Name != volumeSnapshot {
		t.Errorf("claim %s: dataSourceRef %+v, want VolumeSnapshot %s", claimName, ds, volumeSnapshot)
	}
}

func volumeSnapshotOf(content *snapshotapi.VirtualMachineSnapshotContent, volume string) string {
	for _, b := range content.Spec.VolumeBackups {
		if b.VolumeName == volume {
			return ptr.Deref(b.VolumeSnapshotName, "")
		}
	}
	return "<no backup of volume " + volume + ">"
}

func claimOf(vm *kubevirtv1.VirtualMachine, volume string) string {
	for _, v := range vm.Spec.Template.Spec.Volumes {
		if v.Name == volume && v.PersistentVolumeClaim != nil {
			return v.PersistentVolumeClaim.ClaimName
		}
	}
	return ""
}

func dataVolumeOf(vm *kubevirtv1.VirtualMachine, volume string) string {
	for _, v := range vm.Spec.Template.Spec.Volumes {
		if v.Name == volume && v.DataVolume != nil {
			return v.DataVolume.Name
		}
	}
	return ""
}

func hasIndication(snap *snapshotapi.VirtualMachineSnapshot, want snapshotapi.IndicationType) bool {
	for _, i := range snap.Status.Indications {
		if i.Type == want {
			return true
		}
	}
	return false
}

func readyMessage(r *snapshotapi.VirtualMachineRestore) string {
	if c := meta.FindStatusCondition(r.Status.Conditions, snapshotapi.ConditionReady); c != nil {
		return c.Message
	}
	return ""
}

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

package vmsnapshot

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/snapshotclass"
	"vmsnap.io/vmsnap/tests/framework"
)

// unsnapshottableDriver provisions nothing and has no VolumeSnapshotClass.
const unsnapshottableDriver = "nosnapshots.test.vmsnap.io"

// createVMWithUnsnapshottableDisk makes a VM with disk0 on the test driver
// and "legacy" on a StorageClass that no VolumeSnapshotClass serves.
func createVMWithUnsnapshottableDisk(f *framework.Framework) string {
	legacyClass := f.CreateStorageClassFor(unsnapshottableDriver, nil)
	f.CreateStaticClaim("legacy", legacyClass)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1), framework.WithExistingClaim("legacy", "legacy"))
	return vm.Name
}

// With volumeSelection All, a disk that no VolumeSnapshotClass can
// snapshot keeps the snapshot Pending, naming the disk, until it fails.
func TestVolumeSelectionAllFailsOnUnsnapshottableDisk(t *testing.T) {
	f := framework.New(t)
	vmName := createVMWithUnsnapshottableDisk(f)
	f.CreateSnapshot("snap", vmName, framework.FailureDeadline(shortDeadline))

	pending := f.WaitForSnapshotCondition("snap", snapshotapi.ConditionReady, metav1.ConditionFalse, snapshotclass.ReasonNone, framework.DefaultTimeout)
	requireReadyMessageNames(t, pending, "legacy", unsnapshottableDriver)

	failed := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotFailed, framework.DefaultTimeout)
	requireFailedAtDeadline(t, failed, shortDeadline)
	requireReadyMessageNames(t, failed, "legacy")
	f.WaitForNoSnapshotData()
	f.WaitForEvent("VirtualMachineSnapshot", "snap", corev1.EventTypeWarning, "SnapshotFailed")
}

// With volumeSelection SnapshottableOnly, that disk is left out and the
// snapshot says so.
func TestVolumeSelectionSnapshottableOnlyIsPartial(t *testing.T) {
	f := framework.New(t)
	vmName := createVMWithUnsnapshottableDisk(f)
	f.CreateSnapshot("snap", vmName, framework.WithVolumeSelection(snapshotapi.VolumeSelectionSnapshottableOnly))

	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	requireIndications(t, snap, snapshotapi.IndicationPartialSnapshot)
	if msg := indicationMessage(snap, snapshotapi.IndicationPartialSnapshot); !strings.Contains(msg, "legacy") {
		t.Errorf("the PartialSnapshot indication should name the left-out volume legacy; got %q", msg)
	}
	requireIncluded(t, snap, "disk0")
	requireExcluded(t, snap, "legacy")
	if n := len(f.ContentOf(snap).Spec.VolumeBackups); n != 1 {
		t.Errorf("want 1 volumeBackup; got %d", n)
	}
}

// A VM without persistent disks gets a configuration-only snapshot.
func TestConfigurationOnlySnapshot(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithContainerDisk(), framework.WithCloudInit())
	f.CreateSnapshot("snap", vm.Name)

	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	if !ptr.Deref(snap.Status.ReadyToUse, false) || snap.Status.CreationTime == nil {
		t.Errorf("want readyToUse with a creationTime; got %s", framework.DescribeSnapshot(snap))
	}
	requireIncluded(t, snap)
	requireExcluded(t, snap, framework.CloudInitVolume, framework.ContainerDiskVolume)
	content := f.ContentOf(snap)
	if len(content.Spec.VolumeBackups) != 0 {
		t.Errorf("want no volumeBackups; got %+v", content.Spec.VolumeBackups)
	}
	captured := content.Spec.Source.VirtualMachine
	if captured == nil || captured.Name != vm.Name || captured.Spec.Template == nil || len(captured.Spec.Template.Spec.Volumes) != 2 {
		t.Errorf("the content should hold the VM's metadata and spec; got %+v", captured)
	}
	requireSecretBackup(t, f, content, framework.CloudInitSecretName(vm.Name), framework.CloudInitVolume)
	if n := len(f.ListVolumeSnapshots()); n != 0 {
		t.Errorf("want no VolumeSnapshots; got %d", n)
	}
}

// requireReadyMessageNames checks that the Ready condition's message names
// each of words.
func requireReadyMessageNames(t *testing.T, snap *snapshotapi.VirtualMachineSnapshot, words ...string) {
	t.Helper()
	c := meta.FindStatusCondition(snap.Status.Conditions, snapshotapi.ConditionReady)
	if c == nil {
		t.Errorf("vmsnapshot %s has no Ready condition: %s", snap.Name, framework.DescribeSnapshot(snap))
		return
	}
	for _, w := range words {
		if !strings.Contains(c.Message, w) {
			t.Errorf("vmsnapshot %s: the Ready condition should name %q; got %q", snap.Name, w, c.Message)
		}
	}
}

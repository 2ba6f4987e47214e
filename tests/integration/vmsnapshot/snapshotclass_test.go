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
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/framework"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// twoDefaultsDriver is a CSI driver, never run, that this file gives two
// default VolumeSnapshotClasses: no other test may use it.
const twoDefaultsDriver = "twodefaults.test.vmsnap.io"

// spec.volumeSnapshotClasses picks the VolumeSnapshotClass of the disks of
// a StorageClass, over its driver's default; disks of other StorageClasses
// keep the default.
func TestVolumeSnapshotClassMapping(t *testing.T) {
	f := framework.New(t)
	chosen := f.CreateVolumeSnapshotClass(nil)
	mapped := f.CreateStorageClass(nil)
	vm := f.CreateVM("vm", framework.WithPVCDisk("mapped", mapped), framework.WithPVCDisk("plain", cluster.StorageClassName))
	f.CreateSnapshot("snap", vm.Name, framework.WithSnapshotClass(mapped, chosen))

	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	content := f.ContentOf(snap)
	want := map[string]string{"mapped": chosen, "plain": cluster.SnapshotClassName}
	for i, vs := range f.VolumeSnapshotsOf(content) {
		volume := content.Spec.VolumeBackups[i].VolumeName
		if got := ptr.Deref(vs.Spec.VolumeSnapshotClassName, ""); got != want[volume] {
			t.Errorf("VolumeSnapshot %s of volume %s: want spec.volumeSnapshotClassName %s; got %q", vs.Name, volume, want[volume], got)
		}
	}
	out := f.MustKubectl("get", "volumesnapshot", "-l", snapshotLabel+"=snap,snapshot.vmsnap.io/volume=mapped",
		"-o", "jsonpath={.items[*].spec.volumeSnapshotClassName}")
	if out != chosen {
		t.Errorf("kubectl get volumesnapshot of volume mapped: want class %s; got %q", chosen, out)
	}
}

// Two VolumeSnapshotClasses marked default for a disk's driver leave the
// choice ambiguous: the snapshot waits, naming both, and fails at its
// deadline.
func TestTwoDefaultVolumeSnapshotClassesFailAtDeadline(t *testing.T) {
	f := framework.New(t)
	first := f.CreateDefaultVolumeSnapshotClassFor(twoDefaultsDriver)
	second := f.CreateDefaultVolumeSnapshotClassFor(twoDefaultsDriver)
	storageClass := f.CreateStorageClassFor(twoDefaultsDriver, nil)
	f.CreateStaticClaim("data", storageClass)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1), framework.WithExistingClaim("data", "data"))
	f.CreateSnapshot("snap", vm.Name, framework.FailureDeadline(shortDeadline))

	pending := f.WaitForSnapshotCondition("snap", snapshotapi.ConditionReady, metav1.ConditionFalse, "AmbiguousVolumeSnapshotClass", framework.DefaultTimeout)
	if pending.Status.Phase != snapshotapi.SnapshotPending {
		t.Errorf("want phase Pending while the class is ambiguous; got %s", framework.DescribeSnapshot(pending))
	}
	requireReadyMessageNames(t, pending, first, second, "data")

	failed := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotFailed, framework.DefaultTimeout)
	requireFailedAtDeadline(t, failed, shortDeadline)
	requireReadyReason(t, failed, "AmbiguousVolumeSnapshotClass")
	requireReadyMessageNames(t, failed, first, second)
	event := f.WaitForEvent("VirtualMachineSnapshot", "snap", corev1.EventTypeWarning, "SnapshotFailed")
	requireMentions(t, "the SnapshotFailed event", event.Message, first, second)
	f.WaitForNoSnapshotData()
}

// A snapshot that waits because no VolumeSnapshotClass serves its disks
// starts as soon as one is created, long before its deadline: the class's
// creation wakes it. This test removes the cluster's default class for a
// moment, so it must not run in parallel with others.
func TestSnapshotWaitingForAClassStartsWhenOneIsCreated(t *testing.T) {
	const deadline = 2 * time.Minute
	f := framework.New(t)
	// The snapshot comes first and waits for its VM; the VM comes after the
	// class is gone, so the controller's first look at the disks finds none.
	f.CreateSnapshot("snap", "vm", framework.FailureDeadline(deadline))
	f.WaitForSnapshotCondition("snap", snapshotapi.ConditionReady, metav1.ConditionFalse, "SourceNotFound", framework.DefaultTimeout)
	createClass := f.RemoveVolumeSnapshotClass(cluster.SnapshotClassName)
	f.CreateVM("vm", framework.WithPVCDisks(1))

	pending := f.WaitForSnapshotCondition("snap", snapshotapi.ConditionReady, metav1.ConditionFalse, "NoVolumeSnapshotClass", framework.DefaultTimeout)
	if pending.Status.Phase != snapshotapi.SnapshotPending {
		t.Errorf("want phase Pending while no class serves the disk; got %s", framework.DescribeSnapshot(pending))
	}
	requireReadyMessageNames(t, pending, "disk0", cluster.StorageClassName, f.Cluster.DriverName())

	created := time.Now()
	createClass()
	// Without a wake-up the snapshot would wait for its deadline and fail.
	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, 20*time.Second)
	t.Logf("Ready %s after the VolumeSnapshotClass was created (failureDeadline %s)", time.Since(created).Round(time.Millisecond), deadline)
	for _, vs := range f.VolumeSnapshotsOf(f.ContentOf(snap)) {
		if got := ptr.Deref(vs.Spec.VolumeSnapshotClassName, ""); got != cluster.SnapshotClassName {
			t.Errorf("VolumeSnapshot %s: want spec.volumeSnapshotClassName %s; got %q", vs.Name, cluster.SnapshotClassName, got)
		}
	}
}

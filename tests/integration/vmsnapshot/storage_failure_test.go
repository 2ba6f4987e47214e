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
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/fakevirtapi"
	"vmsnap.io/vmsnap/tests/framework"
)

// failingVolume is the disk whose snapshots the storage refuses.
const failingVolume = "failing"

// storageRefusal is in the message the test driver fails CreateSnapshot with.
const storageRefusal = "fail on purpose"

// createVMWithFailingDisk makes a running VM with a guest agent, a Secret,
// a good disk and a disk whose CreateSnapshot always fails.
func createVMWithFailingDisk(f *framework.Framework) string {
	failingClass := f.CreateStorageClass(map[string]string{"failSnapshot": "true"})
	vm := f.CreateVM("vm", framework.WithPVCDisks(1), framework.WithPVCDisk(failingVolume, failingClass), framework.WithCloudInit())
	f.StartVM(vm, true)
	return vm.Name
}

// When the storage fails the snapshot of one of two disks, the snapshot
// says so while it retries, fails at its deadline naming the storage's
// error, thaws the guest, and leaves no content, VolumeSnapshot or Secret
// copy behind.
func TestStorageFailureOnOneDiskFailsAtDeadline(t *testing.T) {
	f := framework.New(t)
	vmName := createVMWithFailingDisk(f)
	f.CreateSnapshot("snap", vmName, framework.FailureDeadline(shortDeadline))

	f.WaitForSnapshot("snap", "the storage's error in the Ready condition", framework.DefaultTimeout, func(s *snapshotapi.VirtualMachineSnapshot) bool {
		c := meta.FindStatusCondition(s.Status.Conditions, snapshotapi.ConditionReady)
		return c != nil && strings.Contains(c.Message, storageRefusal)
	})
	if copies, err := secretCopies(f.Context(), f, "snap"); err != nil || len(copies) != 1 {
		t.Errorf("while in progress: want the snapshot's copy of the cloud-init Secret; got %v, %v", copies, err)
	}

	failed := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotFailed, framework.DefaultTimeout)
	requireFailedAtDeadline(t, failed, shortDeadline)
	requireReadyReason(t, failed, "VolumeSnapshotFailed")
	requireReadyMessageNames(t, failed, storageRefusal, "-"+failingVolume)
	event := f.WaitForEvent("VirtualMachineSnapshot", "snap", corev1.EventTypeWarning, "SnapshotFailed")
	if !strings.Contains(event.Message, storageRefusal) {
		t.Errorf("the SnapshotFailed event should carry the storage's error; got %q", event.Message)
	}

	requireThawedBy(t, f, vmName, fakevirtapi.OpUnfreeze)
	requireFreezesCarryTimeout(t, f, vmName)
	f.WaitForVMSnapshotInProgress(vmName, "")
	f.WaitForNoSnapshotData()
	waitForNoSecretCopies(t, f, "snap")
}

// With failureDeadline 0 there is no deadline: a snapshot whose disk the
// storage keeps refusing stays InProgress, retrying, and never fails. The
// guest is not left frozen meanwhile: the freeze's auto-thaw timeout, never
// zero, thaws it.
func TestStorageFailureWithoutDeadlineNeverFails(t *testing.T) {
	const watched = 12 * time.Second // past the suite's 10s unfreeze timeout
	f := framework.New(t)
	vmName := createVMWithFailingDisk(f)
	f.CreateSnapshot("snap", vmName, framework.FailureDeadline(0))
	f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotInProgress, framework.DefaultTimeout)

	f.Consistently("vmsnapshot "+f.Namespace+"/snap", "phase InProgress", watched, func(ctx context.Context) (bool, string, error) {
		s, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(f.Namespace).Get(ctx, "snap", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return s.Status.Phase == snapshotapi.SnapshotInProgress, framework.DescribeSnapshot(s), nil
	})
	requireReadyMessageNames(t, f.GetSnapshot("snap"), storageRefusal)
	requireThawedBy(t, f, vmName, fakevirtapi.OpAutoThaw)
	requireFreezesCarryTimeout(t, f, vmName)

	f.DeleteSnapshot("snap")
	f.WaitForSnapshotGone("snap")
	f.WaitForVMSnapshotInProgress(vmName, "")
	f.WaitForNoSnapshotData()
	waitForNoSecretCopies(t, f, "snap")
}

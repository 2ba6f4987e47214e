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
	cdiv1 "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/framework"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// blockedVM is the VM the blocker tests snapshot.
const blockedVM = "vm"

// Each cause that keeps a snapshot from starting shows as its Ready
// condition's reason, with a message naming the disk or the VM, while the
// snapshot is Pending; at its deadline it fails with that reason and a
// Warning event, and nothing is left behind.
func TestBlockedSnapshotFailsAtDeadline(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reason string
		// block makes the VM with one healthy disk and the blocking cause,
		// and returns what the messages must name.
		block func(f *framework.Framework) []string
	}{{
		name:   "claim not bound",
		reason: "DiskNotReady",
		block: func(f *framework.Framework) []string {
			lateBinding := f.CreateStorageClass(nil)
			f.RebindLater(lateBinding)
			f.CreatePendingClaim("unbound", lateBinding)
			f.CreateVM(blockedVM, framework.WithPVCDisks(1), framework.WithExistingClaim("data", "unbound"))
			return []string{"unbound", "data", "Pending"}
		},
	}, {
		name:   "DataVolume importing",
		reason: "DiskNotReady",
		block: func(f *framework.Framework) []string {
			f.CreateDataVolumeInPhase("importing", cdiv1.ImportInProgress)
			f.CreateVM(blockedVM, framework.WithPVCDisks(1), framework.WithExistingDataVolume("data", "importing"))
			return []string{"importing", "data", string(cdiv1.ImportInProgress)}
		},
	}, {
		name:   "claim being resized",
		reason: "DiskResizing",
		block: func(f *framework.Framework) []string {
			f.CreateVM(blockedVM, framework.WithPVCDisks(1), framework.WithPVCDisk("data", cluster.StorageClassName))
			claim := framework.ClaimName(blockedVM, "data")
			f.ResizeClaim(claim, framework.GrownDiskSize)
			return []string{claim, "resized"}
		},
	}, {
		name:   "restart required",
		reason: "RestartRequired",
		block: func(f *framework.Framework) []string {
			f.CreateVM(blockedVM, framework.WithPVCDisks(1))
			f.SetRestartRequired(blockedVM, true)
			return []string{"RestartRequired", "restart"}
		},
	}, {
		name:   "instancetype revision gone",
		reason: "InstancetypeRevisionMissing",
		block: func(f *framework.Framework) []string {
			vm := f.CreateVM(blockedVM, framework.WithPVCDisks(1), framework.WithInstancetype(1))
			revision := vm.Status.InstancetypeRef.ControllerRevisionRef.Name
			f.DeleteRevision(revision)
			return []string{revision, vm.Spec.Instancetype.Name, "does not exist"}
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := framework.New(t)
			names := tc.block(f)
			f.CreateSnapshot("snap", blockedVM, framework.FailureDeadline(shortDeadline))

			pending := f.WaitForSnapshotCondition("snap", snapshotapi.ConditionReady, metav1.ConditionFalse, tc.reason, framework.DefaultTimeout)
			if pending.Status.Phase != snapshotapi.SnapshotPending {
				t.Errorf("want phase Pending; got %s", framework.DescribeSnapshot(pending))
			}
			requireReadyMessageNames(t, pending, names...)

			failed := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotFailed, framework.DefaultTimeout)
			requireFailedAtDeadline(t, failed, shortDeadline)
			requireReadyReason(t, failed, tc.reason)
			requireReadyMessageNames(t, failed, names...)
			event := f.WaitForEvent("VirtualMachineSnapshot", "snap", corev1.EventTypeWarning, "SnapshotFailed")
			requireMentions(t, "the SnapshotFailed event", event.Message, names...)
			f.WaitForNoSnapshotData()
			if got := f.GetVM(blockedVM).Status.SnapshotInProgress; got != nil {
				t.Errorf("a snapshot that never started marked the VM with snapshotInProgress=%s", *got)
			}
		})
	}
}

// A Pending snapshot starts and completes as soon as what blocked it clears
// before its deadline: the VM's or the claim's change wakes it.
func TestBlockedSnapshotProceedsWhenTheCauseClears(t *testing.T) {
	const deadline = time.Minute
	resizedClaim := framework.ClaimName(blockedVM, "disk0")
	for _, tc := range []struct {
		name         string
		reason       string
		block, clear func(f *framework.Framework)
	}{{
		name:   "restart required, then restarted",
		reason: "RestartRequired",
		block:  func(f *framework.Framework) { f.SetRestartRequired(blockedVM, true) },
		clear:  func(f *framework.Framework) { f.SetRestartRequired(blockedVM, false) },
	}, {
		name:   "claim being resized, then resized",
		reason: "DiskResizing",
		block:  func(f *framework.Framework) { f.ResizeClaim(resizedClaim, framework.GrownDiskSize) },
		clear:  func(f *framework.Framework) { f.FinishResize(resizedClaim) },
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := framework.New(t)
			f.CreateVM(blockedVM, framework.WithPVCDisks(1))
			tc.block(f)
			f.CreateSnapshot("snap", blockedVM, framework.FailureDeadline(deadline))
			f.WaitForSnapshotCondition("snap", snapshotapi.ConditionReady, metav1.ConditionFalse, tc.reason, framework.DefaultTimeout)

			cleared := time.Now()
			tc.clear(f)
			// Without a wake-up the snapshot would sleep until its deadline and fail.
			snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, 20*time.Second)
			t.Logf("Ready %s after the cause cleared (failureDeadline %s)", time.Since(cleared).Round(time.Millisecond), deadline)
			requireIncluded(t, snap, "disk0")
			f.WaitForEvent("VirtualMachineSnapshot", "snap", corev1.EventTypeNormal, "SnapshotReady")
			f.WaitForVMSnapshotInProgress(blockedVM, "")
		})
	}
}

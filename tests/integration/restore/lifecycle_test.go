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
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/restore"
	"vmsnap.io/vmsnap/tests/framework"
)

// A restore waits for its snapshot to be Ready, and fails at its deadline
// if it never is.
func TestRestoreWaitsForTheSnapshot(t *testing.T) {
	t.Run("missing snapshot: Pending, then Failed at the deadline", func(t *testing.T) {
		f := newTest(t)
		f.CreateRestore("restore", "nosuch", framework.RestoreDeadline(3*time.Second))
		r := f.WaitForRestoreCondition("restore", snapshotapi.ConditionReady, metav1.ConditionFalse, restore.ReasonSnapshotNotFound, framework.DefaultTimeout)
		if r.Status.Phase != snapshotapi.RestorePending {
			t.Errorf("want Pending while the snapshot is missing; got %s", framework.DescribeRestore(r))
		}
		r = f.WaitForRestorePhase("restore", snapshotapi.RestoreFailed, framework.DefaultTimeout)
		if msg := condition(r, snapshotapi.ConditionReady).Message; !strings.Contains(msg, "failureDeadline of 3s") || !strings.Contains(msg, "nosuch does not exist") {
			t.Errorf("Ready message %q: want the deadline and the missing snapshot", msg)
		}
	})

	t.Run("snapshot not Ready: Pending, then Failed at the deadline", func(t *testing.T) {
		f := newTest(t)
		vm := f.CreateVM("vm", framework.WithPVCDisks(1))
		f.StartVM(vm, false) // no guest agent: a consistent snapshot waits
		f.CreateSnapshot("snap", vm.Name)
		f.CreateRestore("restore", "snap", framework.RestoreDeadline(3*time.Second))
		f.WaitForRestoreCondition("restore", snapshotapi.ConditionReady, metav1.ConditionFalse, restore.ReasonSnapshotNotReady, framework.DefaultTimeout)
		r := f.WaitForRestorePhase("restore", snapshotapi.RestoreFailed, framework.DefaultTimeout)
		if ready := condition(r, snapshotapi.ConditionReady); ready.Reason != restore.ReasonSnapshotNotReady || !strings.Contains(ready.Message, "not ready to use") {
			t.Errorf("Ready %+v: want SnapshotNotReady saying why", ready)
		}
	})

	t.Run("a snapshot that becomes Ready later is restored", func(t *testing.T) {
		f := newTest(t)
		vm := f.CreateVM("vm", framework.WithPVCDisks(1))
		f.CreateRestore("restore", "snap", framework.Rename("", "vm", "vm2"), framework.Rename("", framework.ClaimName("vm", "disk0"), "vm2-disk0"))
		f.WaitForRestoreCondition("restore", snapshotapi.ConditionReady, metav1.ConditionFalse, restore.ReasonSnapshotNotFound, framework.DefaultTimeout)
		readySnapshot(f, "snap", vm.Name)
		waitReady(t, f, "restore")
		f.GetVM("vm2")
	})

	t.Run("snapshot deleted mid-restore: Failed, the VM released", func(t *testing.T) {
		f := newTest(t)
		vm := f.CreateVM("vm", framework.WithPVCDisks(2))
		readySnapshot(f, "snap", vm.Name)
		f.StartVM(vm, false)
		f.CreateRestore("restore", "snap", framework.WithReadinessPolicy(snapshotapi.TargetReadinessStopTarget))
		f.WaitForRestoreCondition("restore", snapshotapi.ConditionProgressing, metav1.ConditionTrue, restore.ReasonStoppingTarget, framework.DefaultTimeout)
		if live := f.GetVM(vm.Name); restoreInProgress(live) != "restore" {
			t.Fatalf("while stopping the VM: restoreInProgress %q, want the restore", restoreInProgress(live))
		}

		f.DeleteSnapshot("snap")
		r := f.WaitForRestorePhase("restore", snapshotapi.RestoreFailed, framework.DefaultTimeout)
		if msg := condition(r, snapshotapi.ConditionReady).Message; !strings.Contains(msg, "the snapshot became unusable during the restore") {
			t.Errorf("Ready message %q: want it to say the snapshot went away", msg)
		}
		f.Eventually("virtualmachine "+f.Namespace+"/vm", "released: run strategy Always again, restoreInProgress cleared", framework.DefaultTimeout,
			func(ctx context.Context) (bool, string, error) {
				live, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, vm.Name, metav1.GetOptions{})
				if err != nil {
					return false, "", err
				}
				_, recorded := live.Annotations[restore.AnnRunStrategyBeforeRestore]
				return runStrategy(live) == kubevirtv1.RunStrategyAlways && restoreInProgress(live) == "" && !recorded,
					"run strategy " + string(runStrategy(live)) + ", restoreInProgress " + restoreInProgress(live), nil
			})
		if n := len(f.ListClaims(ownedBy(r))); n != 0 {
			t.Errorf("%d restored claims left by a failed restore", n)
		}
	})
}

// stallAfterFirstClaim starts an in-place restore of VM "vm" (two disks)
// that creates the claim of disk0 and then cannot create the one of disk1,
// and waits until it is stuck there. It returns the restore and what lifts
// the block.
func stallAfterFirstClaim(t *testing.T, f *framework.Framework, opts ...framework.RestoreOption) (*snapshotapi.VirtualMachineRestore, func()) {
	t.Helper()
	lift := f.DenyClaimCreation("-disk1")
	r := f.CreateRestore("restore", "snap", opts...)
	r = f.WaitForRestore("restore", "stuck creating the claim of disk1", framework.DefaultTimeout, func(r *snapshotapi.VirtualMachineRestore) bool {
		return r.Status.Error != nil && strings.Contains(*r.Status.Error.Message, "refused by the test")
	})
	f.GetClaim(restore.RandomizedClaimName(r.UID, "disk0"))
	if r.Status.Phase != snapshotapi.RestoreInProgress {
		t.Fatalf("a restore stuck half-way: want InProgress; got %s", framework.DescribeRestore(r))
	}
	if live := f.GetVM("vm"); restoreInProgress(live) != "restore" || volumeClaim(live, "disk0") != framework.ClaimName("vm", "disk0") {
		t.Fatalf("half-way: VM restoreInProgress %q, disk0 on %s; want locked and not yet repointed", restoreInProgress(live), volumeClaim(live, "disk0"))
	}
	return r, lift
}

// A controller stopped half-way through a restore and started again
// finishes it, with exactly one claim per disk.
func TestRestoreResumesAfterControllerRestart(t *testing.T) {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2))
	readySnapshot(f, "snap", vm.Name)
	r, lift := stallAfterFirstClaim(t, f)

	f.Controller.Stop()
	lift()
	if err := f.Controller.Restart(f.Context()); err != nil {
		t.Fatal(err)
	}
	r = waitReady(t, f, r.Name)
	claims := f.ListClaims(ownedBy(r))
	names := make([]string, 0, len(claims))
	for _, c := range claims {
		names = append(names, c.Name)
	}
	if len(claims) != 2 {
		t.Errorf("claims of the restore: %v; want exactly one per disk", names)
	}
	live := f.GetVM(vm.Name)
	for _, volume := range []string{"disk0", "disk1"} {
		if got := volumeClaim(live, volume); got != restore.RandomizedClaimName(r.UID, volume) {
			t.Errorf("VM volume %s uses %s, want the restored claim", volume, got)
		}
	}
	if restoreInProgress(live) != "" {
		t.Errorf("VM still locked by %q", restoreInProgress(live))
	}
}

// Deleting a restore half-way removes the claims it made and releases the
// VM, which it had stopped: the VM runs again, on its old disks.
func TestDeletingARestoreHalfWay(t *testing.T) {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2))
	readySnapshot(f, "snap", vm.Name)
	f.StartVM(vm, false)
	lift := f.DenyClaimCreation("-disk1")
	defer lift()
	f.CreateRestore("restore", "snap", framework.WithReadinessPolicy(snapshotapi.TargetReadinessStopTarget))
	f.WaitForRestoreCondition("restore", snapshotapi.ConditionProgressing, metav1.ConditionTrue, restore.ReasonStoppingTarget, framework.DefaultTimeout)
	f.DeleteVMI(vm.Name) // KubeVirt's part
	r := f.WaitForRestore("restore", "stuck creating the claim of disk1", framework.DefaultTimeout, func(r *snapshotapi.VirtualMachineRestore) bool {
		return r.Status.Error != nil && strings.Contains(*r.Status.Error.Message, "refused by the test")
	})
	first := restore.RandomizedClaimName(r.UID, "disk0")
	f.GetClaim(first)

	f.DeleteRestore("restore")
	f.WaitForRestoreGone("restore")
	f.WaitForClaimGone(first)
	live := f.GetVM(vm.Name)
	if runStrategy(live) != kubevirtv1.RunStrategyAlways || restoreInProgress(live) != "" {
		t.Errorf("VM run strategy %s restoreInProgress %q; want it released and running again", runStrategy(live), restoreInProgress(live))
	}
	if got := volumeClaim(live, "disk0"); got != framework.ClaimName("vm", "disk0") {
		t.Errorf("VM disk0 on %s; a restore deleted half-way must leave the VM on its own disks", got)
	}
	f.GetClaim(framework.ClaimName("vm", "disk0"))
}

// Restored claims of a WaitForFirstConsumer StorageClass stay Pending until
// the VM runs; the restore does not wait for them.
func TestRestoreDoesNotWaitForFirstConsumer(t *testing.T) {
	f := newTest(t)
	sc := f.CreateStorageClass(nil)
	vm := f.CreateVM("vm", framework.WithPVCDisk("disk0", sc))
	content := f.ContentOf(readySnapshot(f, "snap", vm.Name))
	f.RebindLater(sc)

	f.CreateRestore("restore", "snap", framework.Rename("", "vm", "vm2"), framework.Rename("", framework.ClaimName("vm", "disk0"), "vm2-disk0"))
	r := waitReady(t, f, "restore")
	claim := requireRestoredClaim(t, f, r, "vm2-disk0", volumeSnapshotOf(content, "disk0"))
	if claim.Status.Phase == corev1.ClaimBound {
		t.Errorf("claim vm2-disk0 is Bound; a WaitForFirstConsumer claim binds only for a pod")
	}
}

// A snapshot deleted while a restore's claim is still to be filled from it
// waits: its VolumeSnapshot stays until the claim no longer needs it (here
// the claim waits for a first consumer that never comes, and the user then
// deletes it), so the deletion never pulls the data from under a restore.
func TestDeletingTheSnapshotOfARestoreWaitsForItsClaims(t *testing.T) {
	f := newTest(t)
	sc := f.CreateStorageClass(nil)
	vm := f.CreateVM("vm", framework.WithPVCDisk("disk0", sc))
	content := f.ContentOf(readySnapshot(f, "snap", vm.Name))
	source := volumeSnapshotOf(content, "disk0")
	f.RebindLater(sc)
	f.CreateRestore("restore", "snap", framework.Rename("", "vm", "vm2"), framework.Rename("", framework.ClaimName("vm", "disk0"), "vm2-disk0"))
	waitReady(t, f, "restore")

	f.DeleteSnapshot("snap")
	f.Consistently("volumesnapshot "+f.Namespace+"/"+source, "kept while claim vm2-disk0 is to be filled from it", 3*time.Second,
		func(ctx context.Context) (bool, string, error) {
			vs, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).Get(ctx, source, metav1.GetOptions{})
			if err != nil {
				return false, err.Error(), nil
			}
			return vs.DeletionTimestamp == nil, framework.DescribeVolumeSnapshot(vs), nil
		})
	if err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Delete(f.Context(), "vm2-disk0", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.WaitForSnapshotGone("snap")
	f.WaitForNoVolumeSnapshots()
}

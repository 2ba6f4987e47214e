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
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/restore"
	"vmsnap.io/vmsnap/tests/framework"
)

// changeVM changes what a restore must undo: the memory, a label, and the
// claim of disk1 (to one made after the snapshot).
func changeVM(t *testing.T, f *framework.Framework, name string) {
	t.Helper()
	f.CreateClaim("later-disk1", "")
	f.UpdateVM(name, func(vm *kubevirtv1.VirtualMachine) {
		vm.Labels["changed"] = "after-the-snapshot"
		vm.Spec.Template.Spec.Domain.Resources.Requests[corev1.ResourceMemory] = resource.MustParse("256Mi")
		for i, v := range vm.Spec.Template.Spec.Volumes {
			if v.Name == "disk1" {
				vm.Spec.Template.Spec.Volumes[i].PersistentVolumeClaim.ClaimName = "later-disk1"
			}
		}
	})
}

// A stopped VM with two disks is restored in place with the default
// policies: each disk is a new claim restore-<uid>-<volume> provisioned
// from its VolumeSnapshot, the VM's spec is the snapshot's again and points
// at them, and of the old disks only the one the VM owned is deleted.
func TestRestoreStoppedVMInPlace(t *testing.T) {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2))
	f.OwnClaimByVM(framework.ClaimName("vm", "disk0"), vm)
	snap := readySnapshot(f, "snap", vm.Name)
	content := f.ContentOf(snap)
	changeVM(t, f, vm.Name)

	r := f.CreateRestore("restore", "snap")
	r = waitReady(t, f, r.Name)

	if r.Status.Complete == nil || !*r.Status.Complete || r.Status.RestoreTime == nil || r.Status.Error != nil {
		t.Errorf("want complete, a restoreTime and no error; got %s", framework.DescribeRestore(r))
	}
	if len(r.OwnerReferences) != 0 {
		t.Errorf("the restore has owner references %v; a restore is owned by nothing", r.OwnerReferences)
	}
	restored := f.GetVM(vm.Name)
	if restored.UID != vm.UID {
		t.Fatalf("the VM was created again (UID %s, was %s); an in-place restore replaces its spec", restored.UID, vm.UID)
	}
	for _, volume := range []string{"disk0", "disk1"} {
		claim := restore.RandomizedClaimName(r.UID, volume)
		requireRestoredClaim(t, f, r, claim, volumeSnapshotOf(content, volume))
		if got := volumeClaim(restored, volume); got != claim {
			t.Errorf("VM volume %s uses claim %s, want the restored %s", volume, got, claim)
		}
		found := false
		for _, vr := range r.Status.Restores {
			if vr.VolumeName == volume && vr.PersistentVolumeClaimName == claim && vr.VolumeSnapshotName == volumeSnapshotOf(content, volume) {
				found = true
			}
		}
		if !found {
			t.Errorf("status.restores %+v: want volume %s -> claim %s from VolumeSnapshot %s", r.Status.Restores, volume, claim, volumeSnapshotOf(content, volume))
		}
	}
	if memoryOf(restored) != "128Mi" || restored.Labels["changed"] != "" {
		t.Errorf("VM memory %s labels %v; want the snapshot's 128Mi and no label added after it", memoryOf(restored), restored.Labels)
	}
	if restoreInProgress(restored) != "" || runStrategy(restored) != kubevirtv1.RunStrategyHalted {
		t.Errorf("VM restoreInProgress %q run strategy %s; want unlocked and still Halted", restoreInProgress(restored), runStrategy(restored))
	}
	if restored.Annotations[restore.AnnLastRestoreUID] != string(r.UID) {
		t.Errorf("VM annotations %v: want %s=%s", restored.Annotations, restore.AnnLastRestoreUID, r.UID)
	}
	requireResults(t, r, map[string]snapshotapi.ResourceResult{
		"VirtualMachine vm": snapshotapi.ResourceReplaced,
		"PersistentVolumeClaim " + restore.RandomizedClaimName(r.UID, "disk0"): snapshotapi.ResourceCreated,
	})

	// Old disks: the owned one goes, the others stay.
	f.WaitForClaimGone(framework.ClaimName("vm", "disk0"))
	f.GetClaim(framework.ClaimName("vm", "disk1"))
	f.GetClaim("later-disk1")
	if msg := condition(r, snapshotapi.ConditionReady).Message; !strings.Contains(msg, framework.ClaimName("vm", "disk0")) {
		t.Errorf("Ready message %q: want it to name the deleted old disk", msg)
	}
	f.WaitForEvent("VirtualMachineRestore", r.Name, corev1.EventTypeNormal, "RestoreReady")

	fields := strings.Fields(f.MustKubectl("get", "vmrestore", r.Name, "--no-headers"))
	if len(fields) < 4 || fields[1] != "Ready" || fields[2] != "snap" || fields[3] != "vm" {
		t.Errorf("kubectl get vmrestore: want Ready snap vm; got %q", strings.Join(fields, " "))
	}
}

// A running VM and each targetReadinessPolicy.
func TestRestoreRunningVM(t *testing.T) {
	// setUp makes a VM with two disks, snapshots it stopped, changes it,
	// and starts it.
	setUp := func(t *testing.T) (*framework.Framework, *kubevirtv1.VirtualMachine) {
		f := newTest(t)
		vm := f.CreateVM("vm", framework.WithPVCDisks(2))
		readySnapshot(f, "snap", vm.Name)
		changeVM(t, f, vm.Name)
		f.StartVM(vm, false)
		return f, vm
	}

	t.Run("WaitGracePeriodAndFail fails once the grace has passed", func(t *testing.T) {
		f, vm := setUp(t)
		f.CreateRestore("restore", "snap", framework.RestoreDeadline(4*time.Second))
		r := f.WaitForRestoreCondition("restore", snapshotapi.ConditionReady, metav1.ConditionFalse, restore.ReasonTargetRunning, framework.DefaultTimeout)
		if r.Status.Phase != snapshotapi.RestorePending {
			t.Errorf("while the VM runs: want Pending; got %s", framework.DescribeRestore(r))
		}
		r = f.WaitForRestorePhase("restore", snapshotapi.RestoreFailed, framework.DefaultTimeout)
		ready := condition(r, snapshotapi.ConditionReady)
		if ready.Reason != restore.ReasonTargetRunning || !strings.Contains(ready.Message, "failureDeadline of 4s") || !strings.Contains(ready.Message, "running") {
			t.Errorf("want Failed because the VM still ran at the 4s deadline; got %s", framework.DescribeRestore(r))
		}
		live := f.GetVM(vm.Name)
		if runStrategy(live) != kubevirtv1.RunStrategyAlways || restoreInProgress(live) != "" || memoryOf(live) != "256Mi" {
			t.Errorf("the VM was touched: run strategy %s, restoreInProgress %q, memory %s", runStrategy(live), restoreInProgress(live), memoryOf(live))
		}
		f.WaitForEvent("VirtualMachineRestore", "restore", corev1.EventTypeWarning, "RestoreFailed")
	})

	t.Run("StopTarget stops, restores and starts the VM again", func(t *testing.T) {
		f, vm := setUp(t)
		f.CreateRestore("restore", "snap", framework.WithReadinessPolicy(snapshotapi.TargetReadinessStopTarget))
		r := f.WaitForRestoreCondition("restore", snapshotapi.ConditionProgressing, metav1.ConditionTrue, restore.ReasonStoppingTarget, framework.DefaultTimeout)
		stopping := f.GetVM(vm.Name)
		if runStrategy(stopping) != kubevirtv1.RunStrategyHalted || restoreInProgress(stopping) != "restore" {
			t.Fatalf("while stopping: VM run strategy %s restoreInProgress %q; want Halted and locked by the restore", runStrategy(stopping), restoreInProgress(stopping))
		}
		if r.Status.Phase != snapshotapi.RestoreInProgress {
			t.Errorf("while stopping: want InProgress; got %s", framework.DescribeRestore(r))
		}
		f.DeleteVMI(vm.Name) // KubeVirt's part
		r = waitReady(t, f, "restore")
		live := f.GetVM(vm.Name)
		if runStrategy(live) != kubevirtv1.RunStrategyAlways || restoreInProgress(live) != "" {
			t.Errorf("after the restore: VM run strategy %s restoreInProgress %q; want Always again and unlocked", runStrategy(live), restoreInProgress(live))
		}
		if memoryOf(live) != "128Mi" || volumeClaim(live, "disk1") != restore.RandomizedClaimName(r.UID, "disk1") {
			t.Errorf("VM memory %s, disk1 on %s; want the snapshot's spec on the restored claims", memoryOf(live), volumeClaim(live, "disk1"))
		}
		if _, ok := live.Annotations[restore.AnnRunStrategyBeforeRestore]; ok {
			t.Errorf("VM annotations %v: the recorded run strategy must go once it is given back", live.Annotations)
		}
	})

	t.Run("StopTarget leaves a stopped VM stopped", func(t *testing.T) {
		f := newTest(t)
		vm := f.CreateVM("vm", framework.WithPVCDisks(1))
		readySnapshot(f, "snap", vm.Name)
		f.CreateRestore("restore", "snap", framework.WithReadinessPolicy(snapshotapi.TargetReadinessStopTarget))
		waitReady(t, f, "restore")
		if live := f.GetVM(vm.Name); runStrategy(live) != kubevirtv1.RunStrategyHalted {
			t.Errorf("VM run strategy %s: a VM that was not running must not be started", runStrategy(live))
		}
	})

	t.Run("FailImmediate fails at once", func(t *testing.T) {
		f, vm := setUp(t)
		f.CreateRestore("restore", "snap", framework.WithReadinessPolicy(snapshotapi.TargetReadinessFailImmediate))
		r := f.WaitForRestorePhase("restore", snapshotapi.RestoreFailed, 10*time.Second)
		if ready := condition(r, snapshotapi.ConditionReady); ready.Reason != restore.ReasonTargetRunning || !strings.Contains(ready.Message, "FailImmediate") {
			t.Errorf("want Failed naming the running VM and the policy; got %s", framework.DescribeRestore(r))
		}
		if live := f.GetVM(vm.Name); runStrategy(live) != kubevirtv1.RunStrategyAlways || restoreInProgress(live) != "" {
			t.Errorf("the VM was touched: run strategy %s, restoreInProgress %q", runStrategy(live), restoreInProgress(live))
		}
	})

	t.Run("WaitEventually waits past the deadline, then restores", func(t *testing.T) {
		f, vm := setUp(t)
		f.CreateRestore("restore", "snap", framework.WithReadinessPolicy(snapshotapi.TargetReadinessWaitEventually), framework.RestoreDeadline(2*time.Second))
		f.WaitForRestoreCondition("restore", snapshotapi.ConditionReady, metav1.ConditionFalse, restore.ReasonTargetRunning, framework.DefaultTimeout)
		f.Consistently("vmrestore "+f.Namespace+"/restore", "Pending while the VM runs, past the 2s deadline", 4*time.Second,
			func(ctx context.Context) (bool, string, error) {
				r, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineRestores(f.Namespace).Get(ctx, "restore", metav1.GetOptions{})
				if err != nil {
					return false, "", err
				}
				return r.Status.Phase == snapshotapi.RestorePending, framework.DescribeRestore(r), nil
			})
		if restoreInProgress(f.GetVM(vm.Name)) != "" {
			t.Error("the VM is locked while the restore only waits for it")
		}
		f.StopVM(vm)
		r := waitReady(t, f, "restore")
		if live := f.GetVM(vm.Name); memoryOf(live) != "128Mi" || restoreInProgress(live) != "" {
			t.Errorf("VM memory %s restoreInProgress %q; want the snapshot's spec and unlocked", memoryOf(live), restoreInProgress(live))
		}
		_ = r
	})
}

// volumeRestorePolicy InPlace keeps the claims' names: each is deleted and
// created again from its VolumeSnapshot. PrefixTargetName names them
// <vm>-<volume>.
func TestRestoreVolumePolicies(t *testing.T) {
	t.Run("InPlace", func(t *testing.T) {
		f := newTest(t)
		vm := f.CreateVM("vm", framework.WithPVCDisks(2))
		content := f.ContentOf(readySnapshot(f, "snap", vm.Name))
		before := map[string]string{}
		for _, volume := range []string{"disk0", "disk1"} {
			before[volume] = string(f.GetClaim(framework.ClaimName("vm", volume)).UID)
		}
		f.CreateRestore("restore", "snap", framework.WithVolumeRestorePolicy(snapshotapi.VolumeRestoreInPlace))
		r := waitReady(t, f, "restore")
		live := f.GetVM(vm.Name)
		for _, volume := range []string{"disk0", "disk1"} {
			name := framework.ClaimName("vm", volume)
			claim := requireRestoredClaim(t, f, r, name, volumeSnapshotOf(content, volume))
			if string(claim.UID) == before[volume] {
				t.Errorf("claim %s is the old one (UID %s); want it created again", name, claim.UID)
			}
			if got := volumeClaim(live, volume); got != name {
				t.Errorf("VM volume %s uses %s, want %s", volume, got, name)
			}
		}
		requireResults(t, r, map[string]snapshotapi.ResourceResult{
			"PersistentVolumeClaim vm-disk0": snapshotapi.ResourceReplaced,
			"PersistentVolumeClaim vm-disk1": snapshotapi.ResourceReplaced,
		})
		if n := len(f.ListClaims(ownedBy(r))); n != 2 {
			t.Errorf("%d claims carry the restore's label, want 2", n)
		}
	})

	t.Run("PrefixTargetName", func(t *testing.T) {
		f := newTest(t)
		f.CreateClaim("data-a", "")
		f.CreateClaim("data-b", "")
		vm := f.CreateVM("vm", framework.WithExistingClaim("disk0", "data-a"), framework.WithExistingClaim("disk1", "data-b"))
		content := f.ContentOf(readySnapshot(f, "snap", vm.Name))
		f.CreateRestore("restore", "snap", framework.WithVolumeRestorePolicy(snapshotapi.VolumeRestorePrefixTargetName))
		r := waitReady(t, f, "restore")
		live := f.GetVM(vm.Name)
		for _, volume := range []string{"disk0", "disk1"} {
			name := "vm-" + volume
			requireRestoredClaim(t, f, r, name, volumeSnapshotOf(content, volume))
			if got := volumeClaim(live, volume); got != name {
				t.Errorf("VM volume %s uses %s, want %s", volume, got, name)
			}
		}
		// The old claims were not the VM's: they stay.
		f.GetClaim("data-a")
		f.GetClaim("data-b")
	})
}

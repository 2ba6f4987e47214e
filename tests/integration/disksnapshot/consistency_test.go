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

package disksnapshot

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/disksnapshot"
	"vmsnap.io/vmsnap/tests/fakevirtapi"
	"vmsnap.io/vmsnap/tests/framework"
)

// The DataVolume disk of a stopped VM is snapshotted consistently, without
// a freeze, and the snapshot names the VM.
func TestSnapshotOfStoppedVMDataVolume(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithDataVolumeDisk("root"))
	disk := vm.Name + "-root"
	f.CreateDiskSnapshot("snap", disk)

	snap := f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	if !ptr.Deref(snap.Status.Consistent, false) || ptr.Deref(snap.Status.VirtualMachineName, "") != vm.Name {
		t.Errorf("want consistent and virtualMachineName %s; got %s, VM %v", vm.Name, framework.DescribeDiskSnapshot(snap), snap.Status.VirtualMachineName)
	}
	requireIndications(t, snap)
	claim := f.GetClaim(disk)
	if ptr.Deref(snap.Status.SourceUID, "") != claim.UID {
		t.Errorf("status.sourceUID %v, want the DataVolume's claim %s", snap.Status.SourceUID, claim.UID)
	}
	if calls := f.VirtAPICalls(vm.Name); len(calls) != 0 {
		t.Errorf("a stopped VM was called: %s", describeCalls(calls))
	}
}

// The disk of a running VM with a guest agent is cut while the guest is
// frozen: the VM is locked for the snapshot, frozen once before the cut,
// and thawed and released at the cut, before the snapshot is ready.
func TestSnapshotOfRunningVMWithGuestAgent(t *testing.T) {
	const readyDelay = 3 * time.Second
	f := framework.New(t)
	// The storage takes 3s to cut: long enough to look at the VM meanwhile.
	slow := f.CreateVolumeSnapshotClass(map[string]string{"cutDelay": "3s", "readyDelay": readyDelay.String()})
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	f.StartVM(vm, true)
	f.CreateDiskSnapshot("snap", framework.ClaimName(vm.Name, "disk0"), framework.DiskSnapshotClass(slow))

	f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotInProgress, framework.DefaultTimeout)
	// The lock is taken before the snapshot says InProgress, and held until the cut.
	if holder := ptr.Deref(f.GetVM(vm.Name).Status.SnapshotInProgress, ""); holder != "VirtualDiskSnapshot/snap" || !f.Frozen(vm.Name) {
		t.Errorf("before the cut: VM locked by %q and frozen=%v; want locked by VirtualDiskSnapshot/snap and frozen", holder, f.Frozen(vm.Name))
	}

	snap := f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	if !ptr.Deref(snap.Status.Consistent, false) || ptr.Deref(snap.Status.VirtualMachineName, "") != vm.Name {
		t.Errorf("want consistent, of VM %s; got %s", vm.Name, framework.DescribeDiskSnapshot(snap))
	}
	requireIndications(t, snap, snapshotapi.IndicationOnline, snapshotapi.IndicationGuestAgent)

	calls := f.VirtAPICalls(vm.Name)
	freezes := framework.CallsOf(calls, fakevirtapi.OpFreeze)
	unfreezes := slices.DeleteFunc(framework.CallsOf(calls, fakevirtapi.OpUnfreeze), func(c fakevirtapi.Call) bool {
		return c.Result != fakevirtapi.ResultThawed
	})
	if len(freezes) != 1 || freezes[0].Result != fakevirtapi.ResultFroze || len(unfreezes) != 1 {
		t.Fatalf("want one successful freeze and one thawing unfreeze; got %s", describeCalls(calls))
	}
	if autoThaws := framework.CallsOf(calls, fakevirtapi.OpAutoThaw); len(autoThaws) > 0 {
		t.Errorf("the guest had to thaw itself: %s", describeCalls(calls))
	}
	vs, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).Get(f.Context(), *snap.Status.VolumeSnapshotName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cut := f.BoundContentCutTime(vs)
	frozenAt := freezes[0].Time.Add(freezes[0].Duration)
	thawedAt := unfreezes[0].Time
	switch {
	case !frozenAt.Before(cut):
		t.Errorf("cut at %s, before the freeze was answered at %s", stamp(cut), stamp(frozenAt))
	case !thawedAt.After(cut):
		t.Errorf("thawed at %s, before the cut at %s", stamp(thawedAt), stamp(cut))
	case !thawedAt.Before(cut.Add(readyDelay)):
		t.Errorf("thawed at %s, after the snapshot became ready at %s: the thaw must come at the cut", stamp(thawedAt), stamp(cut.Add(readyDelay)))
	default:
		t.Logf("frozen %s before the cut, thawed %s after it and %s before the snapshot was ready",
			cut.Sub(frozenAt).Round(time.Millisecond), thawedAt.Sub(cut).Round(time.Millisecond), cut.Add(readyDelay).Sub(thawedAt).Round(time.Millisecond))
	}
	if f.Frozen(vm.Name) {
		t.Errorf("the guest of %s is still frozen", vm.Name)
	}
	if holder := f.GetVM(vm.Name).Status.SnapshotInProgress; holder != nil {
		t.Errorf("the VM is still locked by %q", *holder)
	}
}

// A running VM without a guest agent cannot be frozen: with consistency
// required the snapshot waits, saying why, and fails at its deadline.
func TestRunningVMWithoutAgentRequiresConsistency(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	f.StartVM(vm, false)
	f.CreateDiskSnapshot("snap", framework.ClaimName(vm.Name, "disk0"), framework.DiskFailureDeadline(shortDeadline))

	pending := f.WaitForDiskSnapshotCondition("snap", snapshotapi.ConditionReady, metav1.ConditionFalse, disksnapshot.ReasonNoGuestAgent, framework.DefaultTimeout)
	if pending.Status.Phase != snapshotapi.SnapshotPending {
		t.Errorf("want Pending while there is no agent; got %s", framework.DescribeDiskSnapshot(pending))
	}
	requireReadyCondition(t, pending, disksnapshot.ReasonNoGuestAgent, "guest agent", "requiredConsistency: false")
	failed := f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotFailed, framework.DefaultTimeout)
	requireReadyCondition(t, failed, disksnapshot.ReasonNoGuestAgent, "failureDeadline", "guest agent")
	f.WaitForEvent("VirtualDiskSnapshot", "snap", "Warning", "SnapshotFailed")
	f.WaitForNoVolumeSnapshots()
}

// With requiredConsistency false, the disk of a running VM without a guest
// agent gets a crash-consistent snapshot that says so.
func TestRunningVMWithoutAgentBestEffort(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	f.StartVM(vm, false)
	f.CreateDiskSnapshot("snap", framework.ClaimName(vm.Name, "disk0"), framework.DiskRequiredConsistency(false))

	snap := f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	if ptr.Deref(snap.Status.Consistent, true) || !ptr.Deref(snap.Status.ReadyToUse, false) {
		t.Errorf("want readyToUse and consistent=false; got %s", framework.DescribeDiskSnapshot(snap))
	}
	requireIndications(t, snap, snapshotapi.IndicationOnline, snapshotapi.IndicationNoGuestAgent)
	if calls := f.VirtAPICalls(vm.Name); len(calls) != 0 {
		t.Errorf("a VM without agent was called: %s", describeCalls(calls))
	}
	fields := strings.Fields(f.MustKubectl("get", "vdsnapshot", "snap", "--no-headers"))
	if len(fields) < 3 || fields[1] != "Ready" || fields[2] != "false" {
		t.Errorf("kubectl get vdsnapshot snap: want Ready false; got %q", strings.Join(fields, " "))
	}
}

// A disk snapshot waits while a VM snapshot holds the VM, and goes on once
// it lets go.
func TestDiskSnapshotWaitsForTheVMLock(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	f.StartVM(vm, true)
	locked := f.GetVM(vm.Name)
	locked.Status.SnapshotInProgress = ptr.To("other-snapshot")
	if _, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).UpdateStatus(f.Context(), locked, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.CreateDiskSnapshot("snap", framework.ClaimName(vm.Name, "disk0"))

	waiting := f.WaitForDiskSnapshotCondition("snap", snapshotapi.ConditionReady, metav1.ConditionFalse, disksnapshot.ReasonWaitingForVM, framework.DefaultTimeout)
	requireReadyCondition(t, waiting, disksnapshot.ReasonWaitingForVM, "other-snapshot")
	if calls := f.VirtAPICalls(vm.Name); len(calls) != 0 {
		t.Errorf("a snapshot waiting its turn called the VM: %s", describeCalls(calls))
	}

	f.Eventually("vm "+f.Namespace+"/vm", "unlocked", framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		got, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, vm.Name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		got.Status.SnapshotInProgress = nil
		_, err = f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).UpdateStatus(ctx, got, metav1.UpdateOptions{})
		return err == nil, framework.DescribeVM(got), nil
	})
	snap := f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	if !ptr.Deref(snap.Status.Consistent, false) {
		t.Errorf("want consistent; got %s", framework.DescribeDiskSnapshot(snap))
	}
}

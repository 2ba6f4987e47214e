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
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/fakevirtapi"
	"vmsnap.io/vmsnap/tests/framework"
)

// shortDeadline keeps the failure tests short; the slack is how late after
// it the Failed phase may come.
const (
	shortDeadline = 8 * time.Second
	deadlineSlack = 3 * time.Second
)

// A running VM without a guest agent cannot be frozen: with the default
// requiredConsistency the snapshot waits in Pending, saying why, and fails
// at its deadline leaving nothing behind.
func TestNoGuestAgentWithRequiredConsistencyFailsAtDeadline(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	f.StartVM(vm, false)
	f.CreateSnapshot("snap", vm.Name, framework.FailureDeadline(shortDeadline))

	pending := f.WaitForSnapshotCondition("snap", snapshotapi.ConditionReady, metav1.ConditionFalse, "NoGuestAgent", framework.DefaultTimeout)
	if pending.Status.Phase != snapshotapi.SnapshotPending {
		t.Errorf("while waiting for a guest agent: want phase Pending; got %s", framework.DescribeSnapshot(pending))
	}
	if c := meta.FindStatusCondition(pending.Status.Conditions, snapshotapi.ConditionReady); !strings.Contains(c.Message, "guest agent") {
		t.Errorf("the Ready condition should tell the user about the guest agent; got %q", c.Message)
	}

	failed := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotFailed, framework.DefaultTimeout)
	requireFailedAtDeadline(t, failed, shortDeadline)
	if c := meta.FindStatusCondition(failed.Status.Conditions, snapshotapi.ConditionReady); c == nil || c.Reason != "NoGuestAgent" {
		t.Errorf("want the Failed snapshot's Ready condition to keep reason NoGuestAgent; got %s", framework.DescribeSnapshot(failed))
	}
	if calls := f.VirtAPICalls(vm.Name); len(calls) > 0 {
		t.Errorf("no freeze may be attempted without a guest agent; got %s", describeCalls(calls))
	}
	f.WaitForNoSnapshotData()
	f.WaitForEvent("VirtualMachineSnapshot", "snap", corev1.EventTypeWarning, "SnapshotFailed")
	if out := f.MustKubectl("get", "vmsnapshot", "snap", "-o", "jsonpath={.status.phase}"); out != "Failed" {
		t.Errorf("kubectl get vmsnapshot snap: want phase Failed; got %q", out)
	}
}

// With requiredConsistency false, a VM without a guest agent gets a
// crash-consistent snapshot that says so.
func TestNoGuestAgentBestEffort(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	f.StartVM(vm, false)
	f.CreateSnapshot("snap", vm.Name, framework.RequiredConsistency(false))

	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	if ptr.Deref(snap.Status.Consistent, true) || !ptr.Deref(snap.Status.ReadyToUse, false) {
		t.Errorf("want consistent=false and readyToUse=true; got %s", framework.DescribeSnapshot(snap))
	}
	requireIndications(t, snap, snapshotapi.IndicationOnline, snapshotapi.IndicationNoGuestAgent)
	if calls := f.VirtAPICalls(vm.Name); len(calls) > 0 {
		t.Errorf("no freeze may be attempted without a guest agent; got %s", describeCalls(calls))
	}
	if out := f.MustKubectl("get", "vmsnapshot", "snap", "-o", "jsonpath={.status.consistent}"); out != "false" {
		t.Errorf("kubectl get vmsnapshot snap: want consistent false; got %q", out)
	}
}

// A paused VM is never frozen: a consistent snapshot waits, a best-effort
// one is taken crash-consistent with the Paused indication.
func TestPausedVM(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	f.StartVM(vm, true)
	f.PauseVM(vm)

	f.CreateSnapshot("consistent", vm.Name)
	waiting := f.WaitForSnapshotCondition("consistent", snapshotapi.ConditionReady, metav1.ConditionFalse, "VirtualMachinePaused", framework.DefaultTimeout)
	if waiting.Status.Phase != snapshotapi.SnapshotPending {
		t.Errorf("a consistent snapshot of a paused VM: want phase Pending; got %s", framework.DescribeSnapshot(waiting))
	}
	f.DeleteSnapshot("consistent")
	f.WaitForSnapshotGone("consistent")

	f.CreateSnapshot("snap", vm.Name, framework.RequiredConsistency(false))
	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	if ptr.Deref(snap.Status.Consistent, true) {
		t.Errorf("want consistent=false; got %s", framework.DescribeSnapshot(snap))
	}
	requireIndications(t, snap, snapshotapi.IndicationOnline, snapshotapi.IndicationPaused)
	if calls := f.VirtAPICalls(vm.Name); len(calls) > 0 {
		t.Errorf("a paused VM must not be frozen; got %s", describeCalls(calls))
	}
}

// When the guest agent fails to freeze, a consistent snapshot fails at its
// deadline, the guest is not left frozen, and nothing is left behind.
func TestFreezeFailureFailsAtDeadline(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2))
	f.StartVM(vm, true)
	f.SetVirtAPIBehavior(vm.Name, fakevirtapi.Behavior{FreezeFailures: -1})
	f.CreateSnapshot("snap", vm.Name, framework.FailureDeadline(shortDeadline))

	failed := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotFailed, framework.DefaultTimeout)
	requireFailedAtDeadline(t, failed, shortDeadline)
	if msg := ptr.Deref(failed.Status.Error, snapshotapi.Error{}).Message; msg == nil || !strings.Contains(*msg, "freez") {
		t.Errorf("the error should say that freezing failed; got %s", framework.DescribeSnapshot(failed))
	}
	calls := f.VirtAPICalls(vm.Name)
	freezes := framework.CallsOf(calls, fakevirtapi.OpFreeze)
	if len(freezes) == 0 {
		t.Errorf("want at least one freeze attempt; got %s", describeCalls(calls))
	}
	for _, c := range freezes {
		if c.Result != fakevirtapi.ResultFailed {
			t.Errorf("a freeze succeeded although the fake virt-api was told to fail them: %s", describeCalls(calls))
		}
	}
	t.Logf("%d freeze attempts before the deadline", len(freezes))
	if f.Frozen(vm.Name) {
		t.Errorf("the guest of %s is frozen after the failure", vm.Name)
	}
	f.WaitForNoSnapshotData()
	f.WaitForEvent("VirtualMachineSnapshot", "snap", corev1.EventTypeWarning, "SnapshotFailed")
	if got := f.GetVM(vm.Name).Status.SnapshotInProgress; got != nil {
		t.Errorf("VM %s still marked with snapshotInProgress=%s after the failure", vm.Name, *got)
	}
}

// requireFailedAtDeadline checks that a Failed snapshot failed at its
// deadline: not before it, and not much after it.
func requireFailedAtDeadline(t *testing.T, snap *snapshotapi.VirtualMachineSnapshot, deadline time.Duration) {
	t.Helper()
	if snap.Status.Error == nil || snap.Status.Error.Time == nil {
		t.Errorf("a Failed snapshot must carry status.error with its time; got %s", framework.DescribeSnapshot(snap))
		return
	}
	// creationTimestamp has whole seconds, the error time is precise.
	elapsed := snap.Status.Error.Time.Sub(snap.CreationTimestamp.Time)
	t.Logf("failed %s after creation (failureDeadline %s): %s", elapsed.Round(time.Millisecond), deadline, *snap.Status.Error.Message)
	if elapsed < deadline {
		t.Errorf("failed %s after creation, before its failureDeadline of %s", elapsed.Round(time.Millisecond), deadline)
	}
	if elapsed > deadline+deadlineSlack+time.Second {
		t.Errorf("failed %s after creation, more than %s after its failureDeadline of %s", elapsed.Round(time.Millisecond), deadlineSlack, deadline)
	}
}

// A freeze that hangs must not hold the snapshot past its deadline: it ends
// at the deadline, the guest is thawed, and nothing is left.
func TestFreezeHangFailsAtDeadline(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	f.StartVM(vm, true)
	f.SetVirtAPIBehavior(vm.Name, fakevirtapi.Behavior{FreezeHangs: true})
	f.CreateSnapshot("snap", vm.Name, framework.FailureDeadline(shortDeadline))

	failed := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotFailed, framework.DefaultTimeout)
	requireFailedAtDeadline(t, failed, shortDeadline)
	calls := f.VirtAPICalls(vm.Name)
	if len(framework.CallsOf(calls, fakevirtapi.OpFreeze)) == 0 || len(framework.CallsOf(calls, fakevirtapi.OpUnfreeze)) == 0 {
		t.Errorf("want a hung freeze followed by a thaw; got %s", describeCalls(calls))
	}
	if f.Frozen(vm.Name) {
		t.Errorf("the guest of %s is frozen after the failure", vm.Name)
	}
	f.WaitForNoSnapshotData()
}

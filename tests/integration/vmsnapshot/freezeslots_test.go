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
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/app"
	"vmsnap.io/vmsnap/pkg/freeze"
	"vmsnap.io/vmsnap/pkg/vmsnapshot"
	"vmsnap.io/vmsnap/tests/fakevirtapi"
	"vmsnap.io/vmsnap/tests/framework"
)

const (
	// slotsUnfreezeTimeout is the auto-thaw timeout of the one-place
	// controller: short, so the test waits little for the place to free.
	slotsUnfreezeTimeout = 6 * time.Second
	// placeSlack is how late after the first VM's auto-thaw the second
	// may be frozen: a snapshot waiting for a place looks again every 2s
	// (controller.CacheRecheck), on a loaded 2-core machine.
	placeSlack = 10 * time.Second
	// failingThawDeadline outlasts every wait of the test while the thaw
	// fails, so the snapshot cannot fail meanwhile.
	failingThawDeadline = 3 * time.Minute
)

// Issue #12, item 5: with --max-frozen-vms=1, a VM whose thaw keeps failing
// holds the only place until its auto-thaw timeout, not for good. The
// snapshot of a second VM waits for the place while the first guest may
// still be frozen, is frozen once the first one's auto-thaw timeout has
// passed, while the first thaw still fails, and ends Ready and consistent.
// The first snapshot keeps its VM locked and says that its thaw fails
// while it retries (only the lock's holder may thaw); once the thaw works
// it ends Ready, consistent (every volume was cut inside its window), and
// its VM is unlocked.
func TestFailingThawGivesBackItsFrozenVMPlaceAtTheAutoThaw(t *testing.T) {
	f := framework.New(t)
	f.RunControllerVariant(framework.Variant{Configure: func(o *app.Options) {
		o.MaxFrozenVMs = 1
		o.UnfreezeTimeout = slotsUnfreezeTimeout
	}})
	a := f.CreateVM("vm-a", framework.WithPVCDisks(1))
	b := f.CreateVM("vm-b", framework.WithPVCDisks(1))
	f.StartVM(a, true)
	f.StartVM(b, true)
	f.SetVirtAPIBehavior(a.Name, fakevirtapi.Behavior{UnfreezeFailures: -1})
	// A failed test keeps its namespace: let the suite's controller thaw
	// and release what is left there.
	t.Cleanup(func() { f.SetVirtAPIBehavior(a.Name, fakevirtapi.Behavior{}) })

	f.CreateSnapshot("snap-a", a.Name, framework.FailureDeadline(failingThawDeadline))
	f.Eventually("VM "+f.Namespace+"/"+a.Name, "frozen, and an unfreeze failed", framework.DefaultTimeout,
		func(context.Context) (bool, string, error) {
			calls := f.VirtAPICalls(a.Name)
			return f.Frozen(a.Name) && len(failedUnfreezes(calls)) > 0, describeCalls(calls), nil
		})
	windowA := cutWindowOf(t, f, "snap-a")
	t.Logf("snap-a froze %s at %s; auto-thaw at %s", a.Name, stamp(windowA.FrozenAt), stamp(windowA.AutoThawAt))

	f.CreateSnapshot("snap-b", b.Name)
	waiting := f.WaitForSnapshot("snap-b", "waiting for a place among the VMs frozen at once", framework.DefaultTimeout,
		func(s *snapshotapi.VirtualMachineSnapshot) bool {
			c := meta.FindStatusCondition(s.Status.Conditions, snapshotapi.ConditionReady)
			return c != nil && strings.Contains(c.Message, "--max-frozen-vms")
		})
	if seen := time.Now(); !seen.Before(windowA.AutoThawAt) {
		t.Fatalf("snap-b was seen waiting for a place only at %s, after snap-a's auto-thaw at %s: the test proves nothing",
			stamp(seen), stamp(windowA.AutoThawAt))
	}
	if waiting.Status.Phase == snapshotapi.SnapshotReady {
		t.Fatalf("snap-b is Ready while waiting for a place: %s", framework.DescribeSnapshot(waiting))
	}

	readyB := f.WaitForSnapshotPhase("snap-b", snapshotapi.SnapshotReady, time.Until(windowA.AutoThawAt)+placeSlack+15*time.Second)
	if !ptr.Deref(readyB.Status.Consistent, false) {
		t.Errorf("snap-b: want consistent; got %s", framework.DescribeSnapshot(readyB))
	}
	freezeB, _ := requireOneFreezeAroundCut(t, f, b.Name, f.VolumeSnapshotsOf(f.ContentOf(readyB)))
	for _, c := range framework.CallsOf(f.VirtAPICalls(b.Name), fakevirtapi.OpFreeze) {
		if c.Time.Before(windowA.AutoThawAt) {
			t.Errorf("%s was frozen at %s, while snap-a held the only place until its auto-thaw at %s",
				b.Name, stamp(c.Time), stamp(windowA.AutoThawAt))
		}
	}
	if late := freezeB.Time.Sub(windowA.AutoThawAt); late > placeSlack {
		t.Errorf("%s was frozen %s after snap-a's auto-thaw; want within %s", b.Name, late.Round(time.Millisecond), placeSlack)
	} else {
		t.Logf("%s frozen %s after snap-a's auto-thaw timeout", b.Name, late.Round(time.Millisecond))
	}

	// Meanwhile snap-a's thaw was failing, and goes on failing.
	f.Eventually("VM "+f.Namespace+"/"+a.Name, "an unfreeze failing after "+b.Name+" was frozen", framework.DefaultTimeout,
		func(context.Context) (bool, string, error) {
			calls := f.VirtAPICalls(a.Name)
			failed := failedUnfreezes(calls)
			return len(failed) > 0 && failed[len(failed)-1].Time.After(freezeB.Time), describeCalls(calls), nil
		})
	callsA := f.VirtAPICalls(a.Name)
	if thawed := slices.ContainsFunc(framework.CallsOf(callsA, fakevirtapi.OpUnfreeze), func(c fakevirtapi.Call) bool {
		return c.Result != fakevirtapi.ResultFailed
	}); thawed {
		t.Fatalf("an unfreeze of %s worked although every one must fail: %s", a.Name, describeCalls(callsA))
	}
	if autoThaws := framework.CallsOf(callsA, fakevirtapi.OpAutoThaw); len(autoThaws) != 1 || f.Frozen(a.Name) {
		t.Errorf("the guest of %s must have thawed itself once, at its auto-thaw timeout; calls: %s", a.Name, describeCalls(callsA))
	}
	t.Logf("%d unfreezes of %s failed so far", len(failedUnfreezes(callsA)), a.Name)

	failingA := f.WaitForSnapshotCondition("snap-a", snapshotapi.ConditionReady, metav1.ConditionFalse, vmsnapshot.ReasonThawFailed, framework.DefaultTimeout)
	if failingA.Status.Phase != snapshotapi.SnapshotInProgress || failingA.Status.Error == nil ||
		!strings.Contains(ptr.Deref(failingA.Status.Error.Message, ""), "thaw") {
		t.Errorf("snap-a while its thaw fails: want InProgress with an error naming the thaw; got %s", framework.DescribeSnapshot(failingA))
	}
	if holder := ptr.Deref(f.GetVM(a.Name).Status.SnapshotInProgress, ""); holder != "snap-a" {
		t.Errorf("%s locked by %q while snap-a's thaw fails; want snap-a, the only one that may thaw it", a.Name, holder)
	}

	// The thaw works again: snap-a completes, cut inside its window.
	f.SetVirtAPIBehavior(a.Name, fakevirtapi.Behavior{})
	readyA := f.WaitForSnapshotPhase("snap-a", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	if !ptr.Deref(readyA.Status.Consistent, false) || readyA.Status.Error != nil {
		t.Errorf("snap-a once thawed: want consistent and no error; got %s", framework.DescribeSnapshot(readyA))
	}
	requireIndications(t, readyA, snapshotapi.IndicationOnline, snapshotapi.IndicationGuestAgent)
	for _, vs := range f.VolumeSnapshotsOf(f.ContentOf(readyA)) {
		if cut := f.BoundContentCutTime(vs); !cut.Before(windowA.AutoThawAt) {
			t.Errorf("VolumeSnapshot %s cut at %s, after snap-a's auto-thaw at %s, yet snap-a claims consistency", vs.Name, stamp(cut), stamp(windowA.AutoThawAt))
		}
	}
	f.WaitForVMSnapshotInProgress(a.Name, "")
	f.WaitForVMSnapshotInProgress(b.Name, "")
	if f.Frozen(a.Name) || f.Frozen(b.Name) {
		t.Errorf("a guest is left frozen: %s frozen=%t, %s frozen=%t", a.Name, f.Frozen(a.Name), b.Name, f.Frozen(b.Name))
	}
	logFrozenWindow(t, f, a.Name)
	logFrozenWindow(t, f, b.Name)
}

// A thaw that keeps failing past the snapshot's deadline fails the
// snapshot at its deadline, naming the thaw, rather than keeping it
// InProgress for good. The VM stays locked while the cleanup's thaw fails;
// once the thaw works, the cleanup thaws, unlocks and removes what the
// snapshot made.
func TestThawFailingUntilTheDeadlineFailsTheSnapshot(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	f.StartVM(vm, true)
	f.SetVirtAPIBehavior(vm.Name, fakevirtapi.Behavior{UnfreezeFailures: -1})
	t.Cleanup(func() { f.SetVirtAPIBehavior(vm.Name, fakevirtapi.Behavior{}) })
	f.CreateSnapshot("snap", vm.Name, framework.FailureDeadline(shortDeadline))

	failing := f.WaitForSnapshotCondition("snap", snapshotapi.ConditionReady, metav1.ConditionFalse, vmsnapshot.ReasonThawFailed, framework.DefaultTimeout)
	if failing.Status.Phase != snapshotapi.SnapshotInProgress {
		t.Errorf("while the thaw fails before the deadline: want InProgress; got %s", framework.DescribeSnapshot(failing))
	}
	failed := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotFailed, framework.DefaultTimeout)
	requireFailedAtDeadline(t, failed, shortDeadline)
	if c := meta.FindStatusCondition(failed.Status.Conditions, snapshotapi.ConditionReady); c == nil ||
		c.Reason != vmsnapshot.ReasonDeadlineExceeded || !strings.Contains(c.Message, "thaw") {
		t.Errorf("want reason %s and a message naming the thaw; got %s", vmsnapshot.ReasonDeadlineExceeded, framework.DescribeSnapshot(failed))
	}
	f.WaitForEvent("VirtualMachineSnapshot", "snap", corev1.EventTypeWarning, "SnapshotFailed")

	// The guest thaws itself; the thaw call still fails.
	f.Eventually("VM "+f.Namespace+"/"+vm.Name, "thawed by itself", framework.DefaultTimeout, func(context.Context) (bool, string, error) {
		calls := f.VirtAPICalls(vm.Name)
		return len(framework.CallsOf(calls, fakevirtapi.OpAutoThaw)) == 1 && !f.Frozen(vm.Name), describeCalls(calls), nil
	})
	if holder := ptr.Deref(f.GetVM(vm.Name).Status.SnapshotInProgress, ""); holder != "snap" {
		t.Errorf("VM locked by %q while the cleanup's thaw fails; want snap, the only one that may thaw it", holder)
	}

	f.SetVirtAPIBehavior(vm.Name, fakevirtapi.Behavior{})
	f.WaitForVMSnapshotInProgress(vm.Name, "")
	f.WaitForNoSnapshotData()
	if f.Frozen(vm.Name) {
		t.Errorf("the guest of %s is frozen after the cleanup", vm.Name)
	}
}

// failedUnfreezes keeps the unfreezes virt-api refused.
func failedUnfreezes(calls []fakevirtapi.Call) []fakevirtapi.Call {
	return slices.DeleteFunc(framework.CallsOf(calls, fakevirtapi.OpUnfreeze), func(c fakevirtapi.Call) bool {
		return c.Result != fakevirtapi.ResultFailed
	})
}

// cutWindowOf returns the freeze window the snapshot's VolumeSnapshots were
// created in, as the controller recorded it on them: its own clock's
// freeze time and auto-thaw deadline, which its --max-frozen-vms
// bookkeeping goes by.
func cutWindowOf(t *testing.T, f *framework.Framework, snapName string) *freeze.Window {
	t.Helper()
	var window *freeze.Window
	f.Eventually("vmsnapshot "+f.Namespace+"/"+snapName, "VolumeSnapshots recording one freeze window", framework.DefaultTimeout,
		func(ctx context.Context) (bool, string, error) {
			s := f.GetSnapshot(snapName)
			if s.Status.VirtualMachineSnapshotContentName == nil {
				return false, framework.DescribeSnapshot(s), nil
			}
			content, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotContents(f.Namespace).Get(ctx, *s.Status.VirtualMachineSnapshotContentName, metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			window = nil
			for _, b := range content.Spec.VolumeBackups {
				vs, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).Get(ctx, ptr.Deref(b.VolumeSnapshotName, ""), metav1.GetOptions{})
				if err != nil {
					return false, "", err
				}
				w, ok := freeze.WindowOf(vs.Annotations)
				if !ok || (window != nil && !w.FrozenAt.Equal(window.FrozenAt)) {
					return false, fmt.Sprintf("VolumeSnapshot %s annotations %v", vs.Name, vs.Annotations), nil
				}
				window = w
			}
			return window != nil, "no VolumeSnapshot", nil
		})
	return window
}

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
	"slices"
	"testing"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/fakevirtapi"
	"vmsnap.io/vmsnap/tests/framework"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// A running VM with a connected guest agent is frozen once, before its
// first VolumeSnapshot exists, and thawed as soon as every VolumeSnapshot
// is cut.
func TestSnapshotOfRunningVMWithGuestAgent(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2))
	f.StartVM(vm, true)
	f.CreateSnapshot("snap", vm.Name)

	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	requireIndications(t, snap, snapshotapi.IndicationOnline, snapshotapi.IndicationGuestAgent)
	if !ptr.Deref(snap.Status.Consistent, false) || !ptr.Deref(snap.Status.ReadyToUse, false) {
		t.Errorf("want consistent and readyToUse; got %s", framework.DescribeSnapshot(snap))
	}
	volumeSnapshots := f.VolumeSnapshotsOf(f.ContentOf(snap))
	freeze, _ := requireOneFreezeAroundCut(t, f, vm.Name, volumeSnapshots)
	if freeze.UnfreezeTimeout <= 0 {
		t.Errorf("the freeze carried unfreezeTimeout %s; it must never be zero", freeze.UnfreezeTimeout)
	}
	logFrozenWindow(t, f, vm.Name)
}

// With snapshots that take 3s to become ready after the cut, the guest is
// thawed at the cut, not when the snapshots are ready.
func TestUnfreezeAtCutBeforeReadiness(t *testing.T) {
	const readyDelay = 3 * time.Second
	f := framework.New(t)
	slowClass := f.CreateVolumeSnapshotClass(map[string]string{"readyDelay": readyDelay.String()})
	vm := f.CreateVM("vm", framework.WithPVCDisks(2))
	f.StartVM(vm, true)
	f.CreateSnapshot("snap", vm.Name, framework.WithSnapshotClass(cluster.StorageClassName, slowClass))

	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	content := f.ContentOf(snap)
	for _, b := range content.Spec.VolumeBackups {
		if got := ptr.Deref(b.VolumeSnapshotClassName, ""); got != slowClass {
			t.Errorf("volume %s: want VolumeSnapshotClass %s from spec.volumeSnapshotClasses; got %q", b.VolumeName, slowClass, got)
		}
	}
	volumeSnapshots := f.VolumeSnapshotsOf(content)
	_, unfreeze := requireOneFreezeAroundCut(t, f, vm.Name, volumeSnapshots)
	for _, vs := range volumeSnapshots {
		// The driver reports a snapshot ready readyDelay after its cut.
		readyAt := f.BoundContentCutTime(vs).Add(readyDelay)
		if !unfreeze.Time.Before(readyAt) {
			t.Errorf("the unfreeze at %s came after VolumeSnapshot %s became ready at %s; it must come at the cut",
				stamp(unfreeze.Time), vs.Name, stamp(readyAt))
		} else {
			t.Logf("VolumeSnapshot %s: thawed %s before it became ready", vs.Name, readyAt.Sub(unfreeze.Time).Round(time.Millisecond))
		}
	}
	logFrozenWindow(t, f, vm.Name)
}

// requireOneFreezeAroundCut checks the virt-api calls of a snapshot of a VM
// with a guest agent: exactly one successful freeze, answered before any
// VolumeSnapshot was created and cut, and a thaw after the last cut, with
// the guest thawed now and never left to thaw by itself.
func requireOneFreezeAroundCut(t *testing.T, f *framework.Framework, vmName string, volumeSnapshots []*snapshotv1.VolumeSnapshot) (freeze, unfreeze fakevirtapi.Call) {
	t.Helper()
	calls := f.VirtAPICalls(vmName)
	freezes := framework.CallsOf(calls, fakevirtapi.OpFreeze)
	if len(freezes) != 1 || freezes[0].Result != fakevirtapi.ResultFroze {
		t.Fatalf("want exactly one successful freeze; got %s", describeCalls(calls))
	}
	freeze = freezes[0]
	frozenAt := freeze.Time.Add(freeze.Duration)

	var lastCut time.Time
	for _, vs := range volumeSnapshots {
		// creationTimestamp has whole seconds; compare at that precision.
		if created := vs.CreationTimestamp.Time; freeze.Time.Truncate(time.Second).After(created) {
			t.Errorf("VolumeSnapshot %s was created at %s, before the freeze call at %s", vs.Name, stamp(created), stamp(freeze.Time))
		}
		cut := f.BoundContentCutTime(vs)
		if !frozenAt.Before(cut) {
			t.Errorf("VolumeSnapshot %s was cut at %s, before the freeze was answered at %s", vs.Name, stamp(cut), stamp(frozenAt))
		}
		if cut.After(lastCut) {
			lastCut = cut
		}
	}

	unfreezes := slices.DeleteFunc(framework.CallsOf(calls, fakevirtapi.OpUnfreeze), func(c fakevirtapi.Call) bool {
		return c.Result != fakevirtapi.ResultThawed
	})
	if len(unfreezes) != 1 {
		t.Fatalf("want exactly one unfreeze that thawed the guest; got %s", describeCalls(calls))
	}
	unfreeze = unfreezes[0]
	if !unfreeze.Time.After(lastCut) {
		t.Errorf("the unfreeze at %s came before the last cut at %s", stamp(unfreeze.Time), stamp(lastCut))
	}
	if autoThaws := framework.CallsOf(calls, fakevirtapi.OpAutoThaw); len(autoThaws) > 0 {
		t.Errorf("the guest had to thaw itself: %s", describeCalls(calls))
	}
	if f.Frozen(vmName) {
		t.Errorf("the guest of %s is still frozen", vmName)
	}
	return freeze, unfreeze
}

func logFrozenWindow(t *testing.T, f *framework.Framework, vmName string) {
	t.Helper()
	for _, w := range f.FrozenWindows(vmName) {
		if w.To.IsZero() {
			t.Logf("VM %s frozen since %s, still frozen", vmName, stamp(w.From))
			continue
		}
		t.Logf("VM %s frozen for %s (%s to %s, ended by %s)", vmName, w.To.Sub(w.From).Round(time.Millisecond), stamp(w.From), stamp(w.To), w.EndedBy)
	}
}

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

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/fakevirtapi"
	"vmsnap.io/vmsnap/tests/framework"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// Two snapshots of one running VM created at once take turns: both are
// Ready, each one's volumes were cut while the guest was frozen, and
// neither thawed the guest while the other still needed it frozen.
func TestConcurrentSnapshotsOfOneVMTakeTurns(t *testing.T) {
	f := framework.New(t)
	// Cuts that take 2s keep the first snapshot's freeze open long enough
	// for the second to want one.
	slowCut := f.CreateVolumeSnapshotClass(map[string]string{"cutDelay": "2s"})
	vm := f.CreateVM("vm", framework.WithPVCDisks(2))
	f.StartVM(vm, true)
	names := []string{"first", "second"}
	for _, name := range names {
		f.CreateSnapshot(name, vm.Name, framework.WithSnapshotClass(cluster.StorageClassName, slowCut))
	}

	waited := map[string]string{}
	f.Eventually("vmsnapshots first and second", "both Ready", framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		var seen []string
		ready := 0
		for _, name := range names {
			s, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(f.Namespace).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			if c := meta.FindStatusCondition(s.Status.Conditions, snapshotapi.ConditionReady); c != nil && c.Reason == "WaitingForOtherSnapshot" {
				waited[name] = c.Message
			}
			if s.Status.Phase == snapshotapi.SnapshotFailed {
				t.Fatalf("vmsnapshot %s failed: %s", name, framework.DescribeSnapshot(s))
			}
			if s.Status.Phase == snapshotapi.SnapshotReady {
				ready++
			}
			seen = append(seen, name+": "+framework.DescribeSnapshot(s))
		}
		return ready == len(names), strings.Join(seen, "; "), nil
	})
	for name, message := range waited {
		t.Logf("vmsnapshot %s waited its turn: %s", name, message)
	}

	calls := f.VirtAPICalls(vm.Name)
	for _, c := range framework.CallsOf(calls, fakevirtapi.OpFreeze) {
		if c.Result == fakevirtapi.ResultAlreadyFrozen {
			t.Errorf("a freeze at %s found the guest already frozen: two snapshots froze it at once: %s", stamp(c.Time), describeCalls(calls))
		}
	}
	logFrozenWindow(t, f, vm.Name)
	windows := f.FrozenWindows(vm.Name)
	cutIn := map[string]int{}
	for _, name := range names {
		cutIn[name] = frozenWindowOfCuts(t, f, f.GetSnapshot(name), windows)
	}
	// Windows never overlap: in distinct windows, the later snapshot froze
	// after the earlier one thawed.
	if cutIn["first"] >= 0 && cutIn["first"] == cutIn["second"] {
		t.Errorf("both snapshots were cut in one frozen window; the second should have waited for the first's thaw")
	}
	if len(waited) == 0 {
		t.Logf("WaitingForOtherSnapshot was not seen by the polls; the frozen windows show the turns")
	}
	requireThawedBy(t, f, vm.Name, fakevirtapi.OpUnfreeze)
	f.WaitForVMSnapshotInProgress(vm.Name, "")
}

// frozenWindowOfCuts returns the index of the frozen window that held every
// cut of the snapshot's VolumeSnapshots, or -1 after reporting that none did.
func frozenWindowOfCuts(t *testing.T, f *framework.Framework, snap *snapshotapi.VirtualMachineSnapshot, windows []fakevirtapi.FrozenWindow) int {
	t.Helper()
	var first, last time.Time
	for _, vs := range f.VolumeSnapshotsOf(f.ContentOf(snap)) {
		cut := f.BoundContentCutTime(vs)
		if first.IsZero() || cut.Before(first) {
			first = cut
		}
		if cut.After(last) {
			last = cut
		}
	}
	for i, w := range windows {
		if w.From.Before(first) && (w.To.IsZero() || w.To.After(last)) {
			t.Logf("vmsnapshot %s: cut from %s to %s, inside frozen window %d (%s to %s)", snap.Name, stamp(first), stamp(last), i, stamp(w.From), stamp(w.To))
			return i
		}
	}
	t.Errorf("vmsnapshot %s: its volumes were cut from %s to %s, not inside one frozen window", snap.Name, stamp(first), stamp(last))
	return -1
}

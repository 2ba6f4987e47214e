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
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/fakevirtapi"
	"vmsnap.io/vmsnap/tests/framework"
)

// A freeze that fails is retried, and the disk is cut only once the guest
// is frozen: the snapshot ends Ready and consistent. (When the status named
// the VolumeSnapshot before the freeze, the retry read that name as a
// VolumeSnapshot made and lost, and failed the snapshot.)
func TestDiskSnapshotRetriesAFailedFreeze(t *testing.T) {
	const failures = 2
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	f.StartVM(vm, true)
	f.SetVirtAPIBehavior(vm.Name, fakevirtapi.Behavior{FreezeFailures: failures})
	f.CreateDiskSnapshot("snap", framework.ClaimName(vm.Name, "disk0"))

	snap := f.WaitForDiskSnapshot("snap", "phase Ready or Failed", framework.DefaultTimeout, func(s *snapshotapi.VirtualDiskSnapshot) bool {
		return s.Status.Phase == snapshotapi.SnapshotReady || s.Status.Phase == snapshotapi.SnapshotFailed
	})
	if snap.Status.Phase != snapshotapi.SnapshotReady || !ptr.Deref(snap.Status.Consistent, false) {
		t.Fatalf("want Ready and consistent after the freeze failed %d times; got %s", failures, framework.DescribeDiskSnapshot(snap))
	}
	requireIndications(t, snap, snapshotapi.IndicationOnline, snapshotapi.IndicationGuestAgent)

	calls := f.VirtAPICalls(vm.Name)
	freezes := framework.CallsOf(calls, fakevirtapi.OpFreeze)
	if len(freezes) != failures+1 || freezes[failures].Result != fakevirtapi.ResultFroze {
		t.Fatalf("want %d failed freezes, then one that froze; got %s", failures, describeCalls(calls))
	}
	vs, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).Get(f.Context(), *snap.Status.VolumeSnapshotName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cut, frozenAt := f.BoundContentCutTime(vs), freezes[failures].Time.Add(freezes[failures].Duration); !frozenAt.Before(cut) {
		t.Errorf("cut at %s, before the freeze that worked was answered at %s", stamp(cut), stamp(frozenAt))
	}
	for _, e := range f.Events("VirtualDiskSnapshot", "snap") {
		if e.Type == corev1.EventTypeWarning {
			t.Errorf("warning event %s: %s", e.Reason, e.Message)
		}
	}
	if holder := f.GetVM(vm.Name).Status.SnapshotInProgress; holder != nil || f.Frozen(vm.Name) {
		t.Errorf("after the snapshot: VM locked by %v, frozen=%v; want unlocked and thawed", holder, f.Frozen(vm.Name))
	}
}

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
	"testing"

	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/fakevirtapi"
	"vmsnap.io/vmsnap/tests/framework"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// A controller that dies while the guest is frozen and the cut is under
// way loses what it knew; the next one finishes the snapshot and thaws the
// guest at the cut, without waiting for the guest to thaw itself.
func TestControllerRestartWhileFrozen(t *testing.T) {
	f := framework.New(t)
	// The storage takes 4s to cut: long enough to crash in the middle.
	slowCut := f.CreateVolumeSnapshotClass(map[string]string{"cutDelay": "4s"})
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	f.StartVM(vm, true)
	f.CreateSnapshot("snap", vm.Name, framework.WithSnapshotClass(cluster.StorageClassName, slowCut))

	f.Eventually("VM "+f.Namespace+"/"+vm.Name, "frozen, with its VolumeSnapshot created", framework.DefaultTimeout,
		func(context.Context) (bool, string, error) {
			frozen, created := f.Frozen(vm.Name), len(f.ListVolumeSnapshots())
			return frozen && created == 1, fmt.Sprintf("frozen=%t, %d VolumeSnapshots", frozen, created), nil
		})
	f.Controller.Stop()
	t.Log("controller stopped while the guest is frozen")
	if err := f.Controller.Restart(f.Context()); err != nil {
		t.Fatal(err)
	}

	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	if !ptr.Deref(snap.Status.Consistent, false) {
		t.Errorf("the freeze covered the cut: want consistent; got %s", framework.DescribeSnapshot(snap))
	}
	if f.Frozen(vm.Name) {
		t.Fatalf("the guest is still frozen after the snapshot is Ready")
	}
	logFrozenWindow(t, f, vm.Name)
	windows := f.FrozenWindows(vm.Name)
	if last := windows[len(windows)-1]; last.EndedBy != fakevirtapi.OpUnfreeze {
		t.Errorf("the restarted controller should thaw the guest at the cut; it was thawed by %s: %s",
			last.EndedBy, describeCalls(f.VirtAPICalls(vm.Name)))
	}
}

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
	"time"

	"vmsnap.io/vmsnap/tests/fakevirtapi"
	"vmsnap.io/vmsnap/tests/framework"
)

// A snapshot deleted while its VM is frozen for the cut thaws the guest at
// once, releases the VM, removes its content, VolumeSnapshots and Secret
// copies, and only then goes away.
//
// The guest stays frozen because the storage keeps refusing one disk's
// snapshot, not because a cut is slow: the csi-snapshotter (v8.7.0) may
// leave a VolumeSnapshotContent deleted during a slow CreateSnapshot with
// its finalizer until its next resync, minutes later.
func TestDeleteSnapshotWhileFrozen(t *testing.T) {
	f := framework.New(t)
	vmName := createVMWithFailingDisk(f)
	f.CreateSnapshot("snap", vmName)

	f.Eventually("VM "+f.Namespace+"/"+vmName, "frozen, with its VolumeSnapshots created", framework.DefaultTimeout,
		func(context.Context) (bool, string, error) {
			frozen, created := f.Frozen(vmName), len(f.ListVolumeSnapshots())
			return frozen && created == 2, fmt.Sprintf("frozen=%t, %d VolumeSnapshots", frozen, created), nil
		})
	f.WaitForVMSnapshotInProgress(vmName, "snap")
	content := f.ContentOf(f.GetSnapshot("snap"))

	deleted := time.Now()
	f.MustKubectl("delete", "vmsnapshot", "snap", "--wait=false")
	requireThawedBy(t, f, vmName, fakevirtapi.OpUnfreeze)
	windows := f.FrozenWindows(vmName)
	if thawed := windows[len(windows)-1].To; thawed.Sub(deleted) > 5*time.Second {
		t.Errorf("the guest was thawed %s after the deletion; want at once", thawed.Sub(deleted).Round(time.Millisecond))
	}
	f.WaitForVMSnapshotInProgress(vmName, "")

	f.WaitForSnapshotGone("snap")
	f.WaitForContentGone(content.Name)
	f.WaitForNoSnapshotData()
	f.WaitForNoVolumeSnapshots()
	waitForNoSecretCopies(t, f, "snap")
	if freezes := framework.CallsOf(f.VirtAPICalls(vmName), fakevirtapi.OpFreeze); len(freezes) != 1 {
		t.Errorf("want exactly one freeze; got %s", describeCalls(f.VirtAPICalls(vmName)))
	}
}

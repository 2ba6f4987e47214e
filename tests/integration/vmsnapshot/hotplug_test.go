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

	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/framework"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// An online snapshot includes a disk hotplugged persistently (it is in the
// VM spec), and excludes, saying why, a disk hotplugged into the running
// instance only: it is not part of the VM and would not come back with it.
func TestHotpluggedDisksInOnlineSnapshot(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1), framework.WithHotplugPVCDisk("hot", cluster.StorageClassName))
	f.StartVM(vm, true)
	f.CreateClaim("transient", "")
	f.HotplugIntoVMI(vm.Name, "transient", "transient")
	f.CreateSnapshot("snap", vm.Name)

	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	requireIndications(t, snap, snapshotapi.IndicationOnline, snapshotapi.IndicationGuestAgent)
	requireIncluded(t, snap, "disk0", "hot")
	for _, e := range requireExcluded(t, snap, "transient") {
		if !strings.Contains(e.Reason, "hotplugged") {
			t.Errorf("excluded volume %s: the reason should say it is hotplugged into the instance only; got %q", e.Name, e.Reason)
		}
	}

	content := f.ContentOf(snap)
	for i, vs := range f.VolumeSnapshotsOf(content) {
		backup := content.Spec.VolumeBackups[i]
		want := framework.ClaimName(vm.Name, backup.VolumeName)
		if got := ptr.Deref(vs.Spec.Source.PersistentVolumeClaimName, ""); got != want {
			t.Errorf("VolumeSnapshot %s of volume %s: want claim %s; got %q", vs.Name, backup.VolumeName, want, got)
		}
	}
	if n := len(f.ListVolumeSnapshots()); n != 2 {
		t.Errorf("want 2 VolumeSnapshots (disk0 and hot); got %d", n)
	}
	requireOneFreezeAroundCut(t, f, vm.Name, f.VolumeSnapshotsOf(content))
}

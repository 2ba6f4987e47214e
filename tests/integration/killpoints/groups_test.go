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

package killpoints

import (
	"testing"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/vmsnapshot"
	"vmsnap.io/vmsnap/tests/framework"
)

// A group snapshot of a running VM with an agent: wherever the controller
// dies (after labelling a claim, creating the group, recording its
// VolumeSnapshots, unlabelling), the snapshot ends Ready with one group,
// every disk's VolumeSnapshot recorded, no claim labelled, the guest
// thawed, and consistency claimed only for a cut inside one freeze window.
func TestKillPointsGroupSnapshotOfARunningVMWithAgent(t *testing.T) {
	runKillPoints(t, operation{
		prepare: func(f *framework.Framework) {
			f.CreateGroupSnapshotClass()
			f.StartVM(f.CreateVM("vm", framework.WithPVCDisks(3)), true)
		},
		start: func(f *framework.Framework) { f.CreateSnapshot("snap", "vm") },
		finish: func(t *testing.T, f *framework.Framework) {
			snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
			requireComplete(t, f, snap, 3, false)
			requireThawed(t, f, "vm")
			requireOneGroup(t, f, snap)
			if snap.Status.Consistent != nil && *snap.Status.Consistent {
				requireCutInOneWindow(t, f, snap)
			}
		},
	})
}

// Deleting a group snapshot, killed after each write, still deletes the
// group, its VolumeSnapshots and the content.
func TestKillPointsDeletionOfAGroupSnapshot(t *testing.T) {
	runKillPoints(t, operation{
		prepare: func(f *framework.Framework) {
			f.CreateGroupSnapshotClass()
			vm := f.CreateVM("vm", framework.WithPVCDisks(2))
			readySnapshot(f, vm.Name)
		},
		start: func(f *framework.Framework) { f.DeleteSnapshot("snap") },
		finish: func(t *testing.T, f *framework.Framework) {
			f.WaitForSnapshotGone("snap")
			f.WaitForNoSnapshotData()
			if groups := f.GroupSnapshots(); len(groups) != 0 {
				t.Errorf("%d VolumeGroupSnapshots left", len(groups))
			}
		},
	})
}

// requireOneGroup checks that the snapshot's disks were cut in its one
// group, recorded in the content, with no claim left labelled.
func requireOneGroup(t *testing.T, f *framework.Framework, snap *snapshotapi.VirtualMachineSnapshot) {
	t.Helper()
	groups := f.GroupSnapshots()
	if len(groups) != 1 || groups[0].Name != vmsnapshot.VolumeGroupSnapshotName(snap.UID) {
		t.Errorf("want the snapshot's one VolumeGroupSnapshot; got %d", len(groups))
	}
	found := false
	for _, i := range snap.Status.Indications {
		found = found || i.Type == snapshotapi.IndicationAtomicCut
	}
	if !found {
		t.Errorf("no AtomicCut indication: %s", framework.DescribeSnapshot(snap))
	}
	for _, b := range f.ContentOf(snap).Spec.VolumeBackups {
		if b.VolumeSnapshotName == nil || b.VolumeGroupSnapshotName == nil {
			t.Errorf("volume %s: group %v, VolumeSnapshot %v; want both recorded", b.VolumeName, b.VolumeGroupSnapshotName, b.VolumeSnapshotName)
		}
	}
	if labelled := f.ListClaims(vmsnapshot.GroupLabel(snap.UID)); len(labelled) != 0 {
		t.Errorf("%d claims still carry the group label", len(labelled))
	}
}

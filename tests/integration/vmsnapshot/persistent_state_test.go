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
	"strings"
	"testing"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/tests/framework"
)

// requirePersistentStateBackup checks that the content holds the VM's
// backend-storage claim as the volume controller.PersistentStateVolumeName,
// beside the disks, and that its VolumeSnapshot was cut from that claim. It
// returns every VolumeSnapshot of the content.
func requirePersistentStateBackup(t *testing.T, f *framework.Framework, snap *snapshotapi.VirtualMachineSnapshot, claimName string, disks ...string) []*snapshotv1.VolumeSnapshot {
	t.Helper()
	content := f.ContentOf(snap)
	var volumes []string
	var stateSnapshot string
	for _, b := range content.Spec.VolumeBackups {
		volumes = append(volumes, b.VolumeName)
		if b.VolumeName == controller.PersistentStateVolumeName {
			stateSnapshot = ptr.Deref(b.VolumeSnapshotName, "")
			if b.PersistentVolumeClaim.Name != claimName || b.PersistentVolumeClaim.Labels[controller.LabelPersistentStateFor] != snap.Spec.Source.Name {
				t.Errorf("the persistent state's backup is of claim %s labelled %v; want %s labelled for %s",
					b.PersistentVolumeClaim.Name, b.PersistentVolumeClaim.Labels, claimName, snap.Spec.Source.Name)
			}
		}
	}
	want := append(slices.Clone(disks), controller.PersistentStateVolumeName)
	slices.Sort(volumes)
	slices.Sort(want)
	if !slices.Equal(volumes, want) {
		t.Fatalf("content volumes %v, want %v", volumes, want)
	}
	included := slices.Sorted(slices.Values(snap.Status.SnapshotVolumes.IncludedVolumes))
	if !slices.Equal(included, want) {
		t.Errorf("status.snapshotVolumes.includedVolumes %v, want %v", included, want)
	}
	volumeSnapshots := f.VolumeSnapshotsOf(content)
	found := false
	for _, vs := range volumeSnapshots {
		if vs.Name == stateSnapshot {
			found = true
			if src := ptr.Deref(vs.Spec.Source.PersistentVolumeClaimName, ""); src != claimName {
				t.Errorf("VolumeSnapshot %s of the persistent state was taken of claim %s, want %s", vs.Name, src, claimName)
			}
			if vs.Status == nil || !ptr.Deref(vs.Status.ReadyToUse, false) {
				t.Errorf("VolumeSnapshot %s of the persistent state is not ready to use", vs.Name)
			}
		}
	}
	if !found {
		t.Errorf("no VolumeSnapshot %q of the persistent state among the content's", stateSnapshot)
	}
	return volumeSnapshots
}

// A stopped VM with a persistent TPM: its backend-storage claim, which no
// VM volume names, is snapshotted with its disks.
func TestSnapshotOfPersistentTPM(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2), framework.WithPersistentTPM())
	state := f.CreatePersistentState(vm)
	f.CreateSnapshot("snap", vm.Name)

	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	if !ptr.Deref(snap.Status.Consistent, false) {
		t.Errorf("want a consistent snapshot of a stopped VM; got %s", framework.DescribeSnapshot(snap))
	}
	requirePersistentStateBackup(t, f, snap, state.Name, "disk0", "disk1")
}

// A running VM with persistent EFI variables and a guest agent: one freeze
// covers the cut of its disks and of its backend-storage claim.
func TestSnapshotOfRunningVMWithPersistentEFI(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2), framework.WithPersistentEFI())
	state := f.CreatePersistentState(vm)
	f.StartVM(vm, true)
	f.CreateSnapshot("snap", vm.Name)

	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	requireIndications(t, snap, snapshotapi.IndicationOnline, snapshotapi.IndicationGuestAgent)
	volumeSnapshots := requirePersistentStateBackup(t, f, snap, state.Name, "disk0", "disk1")
	if len(volumeSnapshots) != 3 {
		t.Fatalf("want 3 VolumeSnapshots (2 disks and the persistent state); got %d", len(volumeSnapshots))
	}
	requireOneFreezeAroundCut(t, f, vm.Name, volumeSnapshots)
}

// A VM with a persistent TPM that never ran has no backend-storage claim
// yet: the snapshot does not wait for one; it says the state is left out
// and why.
func TestSnapshotOfPersistentTPMNeverStarted(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1), framework.WithPersistentTPM())
	f.CreateSnapshot("snap", vm.Name)

	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	if got := snap.Status.SnapshotVolumes.IncludedVolumes; !slices.Equal(got, []string{"disk0"}) {
		t.Errorf("includedVolumes %v, want [disk0]", got)
	}
	var reason string
	for _, e := range snap.Status.SnapshotVolumes.ExcludedVolumes {
		if e.Name == controller.PersistentStateVolumeName {
			reason = e.Reason
		}
	}
	if !strings.Contains(reason, "never run") {
		t.Errorf("excludedVolumes %+v: want %s left out because the VM never ran", snap.Status.SnapshotVolumes.ExcludedVolumes, controller.PersistentStateVolumeName)
	}
}

package disksnapshot

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

// These tests make the API fail, as external-snapshotter's framework_test
// does: each names the call that fails and expects the snapshot to wait,
// retry and fail only at its deadline, naming the step.

func (f *fixture) vmLockHolder() string {
	f.t.Helper()
	vm, err := f.kubevirt.KubevirtV1().VirtualMachines("ns").Get(context.Background(), "vm", metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return ptr.Deref(vm.Status.SnapshotInProgress, "")
}

func vmLockedBy(holder string) *kubevirtv1.VirtualMachine {
	vm := vmUsing("disk")
	if holder != "" {
		vm.Status.SnapshotInProgress = ptr.To(holder)
	}
	return vm
}

// With the feature gate off, a deleted disk snapshot that carries the
// finalizer is still cleaned up: thawed, its VM unlocked, its VolumeSnapshot
// deleted, and then let go.
func TestSyncWithTheFeatureOffStillCleansUpADeletedSnapshot(t *testing.T) {
	deleting := func(s *snapshotapi.VirtualDiskSnapshot) {
		s.DeletionTimestamp = ptr.To(metav1.NewTime(created.Add(time.Minute)))
	}
	snap := newDiskSnapshot(inProgress(true), deleting)
	f := newFixture(t, created, append(storageObjects(), vmLockedBy(LockHolder(snap)), runningVMI(true), snap, volumeSnapshot(nil, false, ""))...)
	if err := f.c.freezer.Freeze(context.Background(), snap.UID, "ns", "vm"); err != nil {
		t.Fatal(err)
	}
	f.c.enabled = false
	f.writes = nil
	f.clock.SetTime(created.Add(2 * time.Minute))

	if requeue := f.sync(); requeue != deletionRecheck {
		t.Errorf("requeue %s, want the %s safety net while the VolumeSnapshot goes", requeue, deletionRecheck)
	}
	want := "put virtualmachineinstances/unfreeze,update virtualmachines/status,delete volumesnapshots,update virtualdisksnapshots/status"
	if f.actions() != want {
		t.Errorf("actions:\n got %s\nwant %s", f.actions(), want)
	}
	if holder := f.vmLockHolder(); holder != "" {
		t.Errorf("VM still locked by %q", holder)
	}
	if _, frozen := f.c.freezer.Frozen(snap.UID); frozen {
		t.Error("the freeze is still held")
	}
}

// Only the holder of the VM lock thaws the VM. After a restart the
// controller does not know whether it froze, and a VM another snapshot
// holds may be frozen for that one's cut.
func TestSyncThawsOnlyAVMItHolds(t *testing.T) {
	failed := func(s *snapshotapi.VirtualDiskSnapshot) {
		s.Status.Phase = snapshotapi.SnapshotFailed
	}
	deleting := func(s *snapshotapi.VirtualDiskSnapshot) {
		s.DeletionTimestamp = ptr.To(metav1.NewTime(created.Add(time.Minute)))
	}
	for _, tc := range []struct {
		name      string
		holder    string
		mutate    func(*snapshotapi.VirtualDiskSnapshot)
		wantsThaw bool
	}{
		{"failed, VM held by this snapshot", "VirtualDiskSnapshot/snap", failed, true},
		{"failed, VM held by a VM snapshot", "vm-snapshot", failed, false},
		{"failed, VM held by nobody", "", failed, false},
		{"deleted, VM held by this snapshot", "VirtualDiskSnapshot/snap", deleting, true},
		{"deleted, VM held by a VM snapshot", "vm-snapshot", deleting, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A fresh freezer: the controller restarted and forgot.
			f := newFixture(t, created.Add(2*time.Minute), append(storageObjects(), vmLockedBy(tc.holder), runningVMI(true),
				newDiskSnapshot(inProgress(true), tc.mutate))...)
			f.sync()
			if thawed := strings.Contains(f.actions(), "unfreeze"); thawed != tc.wantsThaw {
				t.Errorf("actions %s: thawed %v, want %v", f.actions(), thawed, tc.wantsThaw)
			}
			wantHolder := tc.holder
			if wantHolder == "VirtualDiskSnapshot/snap" {
				wantHolder = "" // released
			}
			if holder := f.vmLockHolder(); holder != wantHolder {
				t.Errorf("VM locked by %q, want %q", holder, wantHolder)
			}
		})
	}
}

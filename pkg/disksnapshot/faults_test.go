package disksnapshot

import (
	"context"
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

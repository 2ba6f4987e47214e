package disksnapshot

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller/controllertest"
)

// These tests make the API fail, as external-snapshotter's framework_test
// does: each names the call that fails and expects the snapshot to wait,
// retry and fail only at its deadline, naming the step.

// syncOnce runs one sync as a worker would, errors included.
func (f *fixture) syncOnce() (time.Duration, error) {
	return f.c.sync(context.Background(), "ns/snap")
}

// informerShowsWrites puts the stored disk snapshot into the cache, as the
// informer would after the status write.
func (f *fixture) informerShowsWrites() {
	f.t.Helper()
	s, err := f.vmsnap.SnapshotV1alpha1().VirtualDiskSnapshots("ns").Get(context.Background(), "snap", metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.c.diskSnapshotIndex.Update(s); err != nil {
		f.t.Fatal(err)
	}
}

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

// A step whose API call keeps failing is retried with backoff, and the
// requeue delay wakes it at its deadline whatever the backoff; status.error
// names the step, and the snapshot goes on once the call works again. At
// the deadline it fails with the step's reason.
func TestSyncRetriesAFailingStepUntilTheDeadline(t *testing.T) {
	internal := controllertest.APIErrors()["InternalError"]
	cut := created.Add(2 * time.Second)
	for _, tc := range []struct {
		name                        string
		objects                     []runtime.Object
		frozen                      bool
		fake                        func(*fixture) controllertest.TrackingReactor
		verb, resource, subresource string
		wantStep, wantReason        string
		wantPhase                   snapshotapi.SnapshotPhase
	}{
		{"creating the VolumeSnapshot", append(storageObjects(), newDiskSnapshot()), false,
			func(f *fixture) controllertest.TrackingReactor { return f.snapshot }, "create", "volumesnapshots", "",
			"creating VolumeSnapshot vdsnapshot-uid-1 of PersistentVolumeClaim disk", ReasonCreateFailed, snapshotapi.SnapshotPending},
		{"locking the VM", append(storageObjects(), vmUsing("disk"), runningVMI(true), newDiskSnapshot()), false,
			func(f *fixture) controllertest.TrackingReactor { return f.kubevirt }, "update", "virtualmachines", "status",
			"locking VM vm", ReasonLockFailed, snapshotapi.SnapshotPending},
		{"freezing the guest", append(storageObjects(), vmUsing("disk"), runningVMI(true), newDiskSnapshot()), false,
			func(f *fixture) controllertest.TrackingReactor { return f.kubevirt }, "put", "virtualmachineinstances", "freeze",
			"freezing the filesystems of VM vm", ReasonFreezeFailed, snapshotapi.SnapshotPending},
		{"thawing at the cut", append(storageObjects(), vmLockedBy("VirtualDiskSnapshot/snap"), runningVMI(true),
			newDiskSnapshot(inProgress(true)), volumeSnapshot(&cut, false, "")), true,
			func(f *fixture) controllertest.TrackingReactor { return f.kubevirt }, "put", "virtualmachineinstances", "unfreeze",
			"VM vm: thawing the guest filesystems", ReasonThawFailed, snapshotapi.SnapshotInProgress},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// times is how many calls fail; 0: all of them.
			newFailing := func(times int) *fixture {
				f := newFixture(t, created, tc.objects...)
				if tc.frozen {
					if err := f.c.freezer.Freeze(context.Background(), "uid-1", "ns", "vm"); err != nil {
						t.Fatal(err)
					}
				}
				f.clock.SetTime(created.Add(time.Minute))
				controllertest.Inject(tc.fake(f), &controllertest.Fault{
					Verb: tc.verb, Resource: tc.resource, Subresource: tc.subresource, Err: internal, Times: times})
				return f
			}
			f := newFailing(0)
			for attempt := 1; attempt <= 2; attempt++ {
				requeue, err := f.syncOnce()
				if err == nil || !strings.Contains(err.Error(), tc.wantStep) {
					t.Fatalf("attempt %d: error %v, want one naming the step %q", attempt, err, tc.wantStep)
				}
				if requeue != deadline-time.Minute {
					t.Errorf("attempt %d: requeue %s with the error, want the %s left to the deadline", attempt, requeue, deadline-time.Minute)
				}
				st := f.status()
				ready := readyCondition(st)
				if st.Phase != tc.wantPhase || st.Error == nil || !strings.Contains(ptr.Deref(st.Error.Message, ""), tc.wantStep) ||
					ready == nil || ready.Reason != tc.wantReason {
					t.Fatalf("attempt %d: phase %s, error %v, Ready %+v; want %s, an error naming %q and reason %s",
						attempt, st.Phase, st.Error, ready, tc.wantPhase, tc.wantStep, tc.wantReason)
				}
			}

			f.clock.SetTime(created.Add(deadline + time.Second))
			requeue, _ := f.syncOnce() // a thaw that keeps failing fails the cleanup too
			if requeue != 0 {
				t.Errorf("requeue %s after failing, want none", requeue)
			}
			st := f.status()
			ready := readyCondition(st)
			if st.Phase != snapshotapi.SnapshotFailed || ready.Reason != tc.wantReason ||
				!strings.Contains(ready.Message, "failureDeadline of 5m0s") || !strings.Contains(ready.Message, tc.wantStep) {
				t.Fatalf("at the deadline: phase %s, Ready %+v; want Failed, reason %s, naming the deadline and the step", st.Phase, ready, tc.wantReason)
			}

			f = newFailing(1)
			if _, err := f.syncOnce(); err == nil {
				t.Fatal("the injected error did not reach the sync")
			}
			f.sync()
			if st := f.status(); st.Phase != snapshotapi.SnapshotInProgress {
				t.Errorf("once the call works again: phase %s, want InProgress", st.Phase)
			}
		})
	}
}

// A create whose answer was lost (it reached the store) is not a reason to
// fail: the next sync finds the VolumeSnapshot and goes on with it.
func TestSyncGoesOnAfterACreateWhoseAnswerWasLost(t *testing.T) {
	f := newFixture(t, created.Add(time.Minute), append(storageObjects(), newDiskSnapshot())...)
	controllertest.Inject(f.snapshot, &controllertest.Fault{
		Verb: "create", Resource: "volumesnapshots", Err: controllertest.APIErrors()["Timeout"], Times: 1, Landed: true})
	if _, err := f.syncOnce(); err == nil {
		t.Fatal("the lost answer did not reach the sync")
	}
	f.sync()
	if st := f.status(); st.Phase != snapshotapi.SnapshotInProgress || ptr.Deref(st.VolumeSnapshotName, "") != "vdsnapshot-uid-1" {
		t.Errorf("phase %s, VolumeSnapshot %v; want InProgress with vdsnapshot-uid-1", st.Phase, st.VolumeSnapshotName)
	}
	list, err := f.snapshot.SnapshotV1().VolumeSnapshots("ns").List(context.Background(), metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 {
		t.Errorf("VolumeSnapshots %v, err %v; want exactly one", list, err)
	}
}

// A freeze refused because --max-frozen-vms VMs are frozen is a wait, not
// an error and never a reason to cut the disk crash-consistent: the
// snapshot stays Pending saying so, is woken when a VM thaws, and then
// freezes and cuts.
func TestSyncWaitsForAPlaceAmongTheFrozenVMs(t *testing.T) {
	for _, required := range []bool{true, false} {
		t.Run(map[bool]string{true: "consistency required", false: "best effort"}[required], func(t *testing.T) {
			snap := newDiskSnapshot(func(s *snapshotapi.VirtualDiskSnapshot) { s.Spec.RequiredConsistency = ptr.To(required) })
			f := newFixture(t, created.Add(time.Minute), append(storageObjects(), vmUsing("disk"), runningVMI(true), snap)...)
			f.c.freezer.LimitFrozen(1)
			if err := f.c.freezer.Freeze(context.Background(), "other", "ns", "other-vm"); err != nil {
				t.Fatal(err)
			}
			f.writes = nil

			for attempt := 1; attempt <= 2; attempt++ {
				if requeue := f.sync(); requeue != busyFreezerRecheck {
					t.Errorf("attempt %d: requeue %s, want the %s safety net", attempt, requeue, busyFreezerRecheck)
				}
				st := f.status()
				ready := readyCondition(st)
				if st.Phase != snapshotapi.SnapshotPending || ready == nil || ready.Reason != ReasonWaitingToFreeze ||
					!strings.Contains(ready.Message, "--max-frozen-vms") || st.VolumeSnapshotName != nil {
					t.Fatalf("attempt %d: phase %s, Ready %+v, VolumeSnapshot %v; want Pending, reason %s naming --max-frozen-vms, no VolumeSnapshot",
						attempt, st.Phase, ready, st.VolumeSnapshotName, ReasonWaitingToFreeze)
				}
			}
			if strings.Contains(f.actions(), "volumesnapshots") || strings.Contains(f.actions(), "freeze") {
				t.Errorf("actions %s: a snapshot waiting to freeze must neither freeze nor create its VolumeSnapshot", f.actions())
			}
			if holder := f.vmLockHolder(); holder != "VirtualDiskSnapshot/snap" {
				t.Errorf("VM lock held by %q while waiting, want VirtualDiskSnapshot/snap", holder)
			}

			f.informerShowsWrites()
			if err := f.c.freezer.Thaw(context.Background(), "other", "ns", "other-vm"); err != nil {
				t.Fatal(err)
			}
			if f.c.queue.Len() != 1 {
				t.Fatalf("after a thaw the queue holds %d keys, want the waiting snapshot", f.c.queue.Len())
			}
			if key, _ := f.c.queue.Get(); key != "ns/snap" {
				t.Fatalf("after a thaw the queue holds %q, want the waiting snapshot", key)
			}
			f.writes = nil
			f.sync()
			if want := "put virtualmachineinstances/freeze,create volumesnapshots,update virtualdisksnapshots/status"; f.actions() != want {
				t.Errorf("actions once a place is free:\n got %s\nwant %s", f.actions(), want)
			}
			if st := f.status(); st.Phase != snapshotapi.SnapshotInProgress || hasIndicationIn(st, snapshotapi.IndicationQuiesceFailed) {
				t.Errorf("phase %s, indications %v; want InProgress, frozen", st.Phase, st.Indications)
			}
		})
	}
}

// Still no place at the deadline: Failed, nothing cut, the VM let go.
func TestSyncFailsWaitingForAPlaceAmongTheFrozenVMsAtTheDeadline(t *testing.T) {
	f := newFixture(t, created.Add(time.Minute), append(storageObjects(), vmUsing("disk"), runningVMI(true), newDiskSnapshot())...)
	f.c.freezer.LimitFrozen(1)
	if err := f.c.freezer.Freeze(context.Background(), "other", "ns", "other-vm"); err != nil {
		t.Fatal(err)
	}
	f.sync()
	f.clock.SetTime(created.Add(deadline))
	// A place is held only for the auto-thaw timeout: the other snapshot
	// froze its VM again just now.
	if err := f.c.freezer.Freeze(context.Background(), "other", "ns", "other-vm"); err != nil {
		t.Fatal(err)
	}
	f.writes = nil
	if requeue := f.sync(); requeue != 0 {
		t.Errorf("requeue %s after failing, want none", requeue)
	}
	st := f.status()
	if ready := readyCondition(st); st.Phase != snapshotapi.SnapshotFailed || ready.Reason != ReasonWaitingToFreeze || !strings.Contains(ready.Message, "failureDeadline") {
		t.Fatalf("phase %s, Ready %+v; want Failed with reason %s at the deadline", st.Phase, ready, ReasonWaitingToFreeze)
	}
	if strings.Contains(f.actions(), "volumesnapshots") {
		t.Errorf("actions %s: nothing may be cut without the freeze", f.actions())
	}
	if holder := f.vmLockHolder(); holder != "" {
		t.Errorf("VM still locked by %q after the failure", holder)
	}
}

// A VolumeSnapshot name in the status is no proof that the VolumeSnapshot
// was made: the API (the cache, or this process's own create) says so.
func TestSyncTellsCreatedFromTheAPINotTheStatus(t *testing.T) {
	named := func(s *snapshotapi.VirtualDiskSnapshot) {
		s.Status.Phase = snapshotapi.SnapshotInProgress
		s.Status.VolumeSnapshotName = ptr.To(VolumeSnapshotName(s))
		s.Status.SourceUID = ptr.To(claimUID)
	}

	// Named, never made (a freeze or create that failed): make it now.
	f := newFixture(t, created.Add(time.Minute), append(storageObjects(), newDiskSnapshot(named))...)
	f.sync()
	if want := "create volumesnapshots,update virtualdisksnapshots/status"; f.actions() != want {
		t.Errorf("actions %s, want %s", f.actions(), want)
	}
	if st := f.status(); st.Phase != snapshotapi.SnapshotInProgress {
		t.Errorf("phase %s, want InProgress", st.Phase)
	}

	// Made by this process, not in the cache yet: not made twice.
	f.writes = nil
	f.sync()
	if strings.Contains(f.actions(), "create") {
		t.Errorf("actions %s: the VolumeSnapshot this process made was made again", f.actions())
	}

	// Cut, then gone: a new cut would be another point in time.
	cut := func(s *snapshotapi.VirtualDiskSnapshot) {
		s.Status.CreationTime = ptr.To(metav1.NewTime(created.Add(time.Second)))
	}
	f = newFixture(t, created.Add(time.Minute), append(storageObjects(), newDiskSnapshot(named, cut))...)
	f.sync()
	if ready := readyCondition(f.status()); f.status().Phase != snapshotapi.SnapshotFailed || ready.Reason != ReasonVolumeLost {
		t.Errorf("phase %s, Ready %+v; want Failed with reason %s", f.status().Phase, ready, ReasonVolumeLost)
	}
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

// restarted starts a controller with empty memory whose caches hold what
// the API holds now: the disk snapshot, the VM and its instance, the
// VolumeSnapshots, and the storage.
func (f *fixture) restarted(now time.Time) *fixture {
	f.t.Helper()
	ctx := context.Background()
	objects := storageObjects()
	if snap, err := f.vmsnap.SnapshotV1alpha1().VirtualDiskSnapshots("ns").Get(ctx, "snap", metav1.GetOptions{}); err == nil {
		objects = append(objects, snap)
	}
	if vm, err := f.kubevirt.KubevirtV1().VirtualMachines("ns").Get(ctx, "vm", metav1.GetOptions{}); err == nil {
		objects = append(objects, vm)
	}
	// The VM instance is the world's, never written here: from the cache.
	if vmi, err := f.c.vmis.Namespace("ns").Get("vm"); err == nil {
		objects = append(objects, vmi)
	}
	list, err := f.snapshot.SnapshotV1().VolumeSnapshots("ns").List(ctx, metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	for i := range list.Items {
		objects = append(objects, &list.Items[i])
	}
	next := newFixture(f.t, now, objects...)
	next.c.enabled = f.c.enabled
	return next
}

// With the feature turned off, each write that releases a disk snapshot's
// VM fails once, refused or landed with its answer lost, and the controller
// restarts right after: the next syncs still fail a snapshot in progress
// with FeatureDisabled, thaw and unlock its VM and delete its
// VolumeSnapshot, and release the lock a start cut short left.
func TestFeatureOffReleaseSurvivesAFailedWrite(t *testing.T) {
	lockedVM := vmLockedBy(LockHolder(newDiskSnapshot()))
	type write struct{ verb, resource, subresource string }
	for _, tc := range []struct {
		name    string
		objects func() []runtime.Object
		frozen  bool
		writes  []write
	}{
		{"in progress", func() []runtime.Object {
			return append(storageObjects(), lockedVM.DeepCopy(), runningVMI(true), newDiskSnapshot(inProgress(true)), volumeSnapshot(nil, false, ""))
		}, true, []write{
			{"update", "virtualdisksnapshots", "status"}, {"put", "virtualmachineinstances", "unfreeze"},
			{"update", "virtualmachines", "status"}, {"delete", "volumesnapshots", ""},
		}},
		{"not started", func() []runtime.Object {
			return append(storageObjects(), lockedVM.DeepCopy(), runningVMI(true), newDiskSnapshot())
		}, false, []write{{"update", "virtualmachines", "status"}, {"update", "virtualdisksnapshots", "status"}}},
	} {
		for _, w := range tc.writes {
			for mode, fault := range map[string]*controllertest.Fault{
				"refused":             {Err: controllertest.APIErrors()["InternalError"], Times: 1},
				"landed, answer lost": {Err: controllertest.APIErrors()["Timeout"], Times: 1, Landed: true},
			} {
				t.Run(tc.name+", "+w.verb+" "+w.resource+"/"+w.subresource+", "+mode, func(t *testing.T) {
					f := newFixture(t, created.Add(time.Second), tc.objects()...)
					if tc.frozen {
						_ = f.c.freezer.Freeze(context.Background(), "uid-1", "ns", "vm")
					}
					f.c.enabled = false
					fault.Verb, fault.Resource, fault.Subresource = w.verb, w.resource, w.subresource
					var fake controllertest.TrackingReactor = f.vmsnap
					switch w.resource {
					case "virtualmachines", "virtualmachineinstances":
						fake = f.kubevirt
					case "volumesnapshots":
						fake = f.snapshot
					}
					controllertest.Inject(fake, fault)
					_, _ = f.syncOnce()
					if fault.Applied() != 1 {
						t.Fatalf("the fault failed %d calls, want 1", fault.Applied())
					}
					writes := f.actions()
					f = f.restarted(created.Add(2 * time.Second))
					f.sync()
					f.sync()
					writes += "," + f.actions()

					if holder := f.vmLockHolder(); holder != "" {
						t.Errorf("VM still locked by %s", holder)
					}
					st := f.status()
					if !tc.frozen {
						if ready := readyCondition(st); ready == nil || ready.Reason != ReasonFeatureDisabled {
							t.Errorf("Ready %+v, want reason FeatureDisabled", ready)
						}
						return
					}
					if ready := readyCondition(st); st.Phase != snapshotapi.SnapshotFailed || ready.Reason != ReasonFeatureDisabled {
						t.Errorf("phase %s, Ready %+v; want Failed with reason FeatureDisabled", st.Phase, ready)
					}
					if !strings.Contains(writes, "put virtualmachineinstances/unfreeze") {
						t.Errorf("writes %s: the guest was never thawed", writes)
					}
					if _, err := f.snapshot.SnapshotV1().VolumeSnapshots("ns").Get(context.Background(), VolumeSnapshotName(newDiskSnapshot()), metav1.GetOptions{}); err == nil {
						t.Error("the VolumeSnapshot was not deleted")
					}
				})
			}
		}
	}
}

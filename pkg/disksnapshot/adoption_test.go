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
	"context"
	"strings"
	"testing"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

// The name of a disk snapshot's VolumeSnapshot follows from its UID, which
// anyone who can read the disk snapshot sees. These tests take that name
// with a VolumeSnapshot the snapshot did not create: only a controller
// reference to the snapshot's UID makes one the snapshot's own.

// foreign is a ready VolumeSnapshot under the snapshot's VolumeSnapshot
// name, with the label the controller sets, but made by someone else.
func foreign(owners ...metav1.OwnerReference) *snapshotv1.VolumeSnapshot {
	cut := created.Add(-time.Hour)
	vs := volumeSnapshot(&cut, true, "")
	vs.UID = "someone-elses"
	vs.Labels = map[string]string{LabelDiskSnapshotName: "snap"}
	vs.OwnerReferences = owners
	return vs
}

// foreignKinds are VolumeSnapshots under the name that are not the snapshot's.
func foreignKinds() map[string]*snapshotv1.VolumeSnapshot {
	snap := newDiskSnapshot()
	gvk := snapshotapi.SchemeGroupVersion.WithKind("VirtualDiskSnapshot")
	namesake := newDiskSnapshot(func(s *snapshotapi.VirtualDiskSnapshot) { s.UID = "uid-of-an-earlier-snap" })
	notController := *metav1.NewControllerRef(snap, gvk)
	notController.Controller = nil
	return map[string]*snapshotv1.VolumeSnapshot{
		"no owner":                              foreign(),
		"controlled by a namesake":              foreign(*metav1.NewControllerRef(namesake, gvk)),
		"owned by the snapshot, not controlled": foreign(notController),
	}
}

// requireUntouched checks that the sync wrote nothing to VolumeSnapshots
// and that the stored one is as it was.
func (f *fixture) requireUntouched(want *snapshotv1.VolumeSnapshot) {
	f.t.Helper()
	for _, w := range f.writes {
		if strings.HasSuffix(w, "volumesnapshots") && w != "create volumesnapshots" {
			f.t.Errorf("actions %s: the VolumeSnapshot someone else made was written to", f.actions())
		}
	}
	got, err := f.snapshot.SnapshotV1().VolumeSnapshots("ns").Get(context.Background(), want.Name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatalf("the VolumeSnapshot someone else made is gone: %v", err)
	}
	if !equality.Semantic.DeepEqual(got, want) {
		f.t.Errorf("the VolumeSnapshot someone else made changed:\n got %+v\nwant %+v", got, want)
	}
}

// requireNameConflict checks the snapshot's status: phase, the Ready
// reason NameConflict naming the VolumeSnapshot, and none of its data.
func requireNameConflict(t *testing.T, st snapshotapi.VirtualDiskSnapshotStatus, phase snapshotapi.SnapshotPhase, says ...string) {
	t.Helper()
	ready := readyCondition(st)
	if st.Phase != phase || ready == nil || ready.Reason != ReasonNameConflict {
		t.Fatalf("phase %s, Ready %+v; want %s with reason %s", st.Phase, ready, phase, ReasonNameConflict)
	}
	for _, s := range append(says, "vdsnapshot-uid-1", "not created by this disk snapshot") {
		if !strings.Contains(ready.Message, s) {
			t.Errorf("Ready message %q does not say %q", ready.Message, s)
		}
	}
	if ptr.Deref(st.ReadyToUse, true) || st.VolumeSnapshotName != nil || st.RestoreSize != nil || st.CreationTime != nil {
		t.Errorf("status %+v; want readyToUse false and no VolumeSnapshot, restore size or cut time: those are someone else's", st)
	}
}

// A VolumeSnapshot the cache shows under the name is not observed as the
// snapshot's: the snapshot waits without locking, freezing or creating,
// and fails at its deadline, leaving it alone.
func TestSyncDoesNotAdoptAForeignVolumeSnapshot(t *testing.T) {
	for name, vs := range foreignKinds() {
		t.Run(name, func(t *testing.T) {
			objects := append(storageObjects(), vmUsing("disk"), runningVMI(true), newDiskSnapshot(), vs)
			f := newFixture(t, created.Add(time.Minute), objects...)
			if requeue := f.sync(); requeue != deadline-time.Minute {
				t.Errorf("requeue %s, want the %s left to the deadline", requeue, deadline-time.Minute)
			}
			if want := "update virtualdisksnapshots/status"; f.actions() != want {
				t.Errorf("actions:\n got %s\nwant %s: no lock, freeze or create", f.actions(), want)
			}
			requireNameConflict(t, f.status(), snapshotapi.SnapshotPending)
			f.requireUntouched(vs)

			f = newFixture(t, created.Add(deadline), objects...)
			f.sync()
			requireNameConflict(t, f.status(), snapshotapi.SnapshotFailed, "failureDeadline of 5m0s")
			f.requireUntouched(vs)
			if holder := f.vmLockHolder(); holder != "" {
				t.Errorf("VM locked by %q", holder)
			}
		})
	}
}

// A name taken after the cache was looked at shows only in the create's
// AlreadyExists, once the VM is locked and frozen: the VM is thawed and
// unlocked at once, and the next sync, the cache still behind, asks the
// API rather than lock and freeze again.
func TestSyncReleasesTheVMWhenTheCreateFindsTheNameTaken(t *testing.T) {
	vs := foreign()
	f := newFixture(t, created.Add(time.Minute), append(storageObjects(), vmUsing("disk"), runningVMI(true), newDiskSnapshot())...)
	if err := f.snapshot.Tracker().Add(vs); err != nil { // in the API, not in the cache
		t.Fatal(err)
	}
	f.sync()
	want := "update virtualmachines/status,put virtualmachineinstances/freeze,create volumesnapshots," +
		"put virtualmachineinstances/unfreeze,update virtualmachines/status,update virtualdisksnapshots/status"
	if f.actions() != want {
		t.Errorf("actions:\n got %s\nwant %s", f.actions(), want)
	}
	requireNameConflict(t, f.status(), snapshotapi.SnapshotPending)
	f.requireUntouched(vs)
	if holder := f.vmLockHolder(); holder != "" {
		t.Errorf("VM locked by %q after the conflict", holder)
	}
	if !f.c.freezer.Thawed("uid-1") {
		t.Error("the guest was left frozen")
	}

	f.informerShowsWrites()
	f.writes = nil
	f.sync()
	if strings.Contains(f.actions(), "virtualmachine") || strings.Contains(f.actions(), "volumesnapshots") {
		t.Errorf("actions %s: the name is still taken; want no lock, freeze or create", f.actions())
	}
	requireNameConflict(t, f.status(), snapshotapi.SnapshotPending)

	f.clock.SetTime(created.Add(deadline))
	f.writes = nil
	f.sync()
	requireNameConflict(t, f.status(), snapshotapi.SnapshotFailed, "failureDeadline")
	f.requireUntouched(vs)
}

// The snapshot's own VolumeSnapshot, deleted and replaced by someone
// else's: before the cut the snapshot releases the VM it froze and waits;
// after the cut, or once Ready, it cannot offer the other one's data.
func TestSyncNoticesAReplacedVolumeSnapshot(t *testing.T) {
	lockedVM := func() *kubevirtv1.VirtualMachine { return vmLockedBy(LockHolder(newDiskSnapshot())) }
	t.Run("before the cut", func(t *testing.T) {
		vs := foreign()
		snap := newDiskSnapshot(inProgress(true))
		f := newFixture(t, created.Add(time.Second), append(storageObjects(), lockedVM(), runningVMI(true), snap, vs)...)
		_ = f.c.freezer.Freeze(context.Background(), snap.UID, "ns", "vm")
		f.writes = nil
		f.sync()
		want := "put virtualmachineinstances/unfreeze,update virtualmachines/status,update virtualdisksnapshots/status"
		if f.actions() != want {
			t.Errorf("actions:\n got %s\nwant %s", f.actions(), want)
		}
		requireNameConflict(t, f.status(), snapshotapi.SnapshotPending)
		f.requireUntouched(vs)
	})
	t.Run("after the cut", func(t *testing.T) {
		vs := foreign()
		snap := newDiskSnapshot(inProgress(false), func(s *snapshotapi.VirtualDiskSnapshot) {
			s.Status.CreationTime = ptr.To(metav1.NewTime(created.Add(time.Second)))
		})
		f := newFixture(t, created.Add(time.Minute), append(storageObjects(), snap, vs)...)
		f.sync()
		st := f.status()
		if ready := readyCondition(st); st.Phase != snapshotapi.SnapshotFailed || ready.Reason != ReasonNameConflict || !strings.Contains(ready.Message, vs.Name) {
			t.Fatalf("phase %s, Ready %+v; want Failed at once with reason %s naming %s", st.Phase, ready, ReasonNameConflict, vs.Name)
		}
		f.requireUntouched(vs)
	})
	t.Run("once Ready", func(t *testing.T) {
		vs := foreign()
		snap := newDiskSnapshot(func(s *snapshotapi.VirtualDiskSnapshot) {
			s.Status.Phase = snapshotapi.SnapshotReady
			s.Status.ReadyToUse = ptr.To(true)
			s.Status.VolumeSnapshotName = ptr.To(VolumeSnapshotName(s))
		})
		f := newFixture(t, created.Add(time.Hour), append(storageObjects(), snap, vs)...)
		f.sync()
		st := f.status()
		if ready := readyCondition(st); ptr.Deref(st.ReadyToUse, true) || ready == nil || ready.Reason != ReasonNameConflict {
			t.Errorf("readyToUse %v, Ready %+v; want not ready to use, reason %s", st.ReadyToUse, ready, ReasonNameConflict)
		}
		f.requireUntouched(vs)
	})
}

// Deleting the snapshot, or failing it, never deletes someone else's
// VolumeSnapshot under its name.
func TestCleanupLeavesAForeignVolumeSnapshot(t *testing.T) {
	for name, mutate := range map[string]func(*snapshotapi.VirtualDiskSnapshot){
		"deleted": func(s *snapshotapi.VirtualDiskSnapshot) {
			s.DeletionTimestamp = ptr.To(metav1.NewTime(created.Add(time.Minute)))
		},
		"failed": func(s *snapshotapi.VirtualDiskSnapshot) {
			s.Status.Phase = snapshotapi.SnapshotFailed
		},
	} {
		t.Run(name, func(t *testing.T) {
			vs := foreign()
			f := newFixture(t, created.Add(2*time.Minute), append(storageObjects(), newDiskSnapshot(mutate), vs)...)
			f.sync()
			f.requireUntouched(vs)
			if name == "deleted" && !strings.HasSuffix(f.actions(), "patch virtualdisksnapshots") {
				t.Errorf("actions %s: want the finalizer released, with nothing of ours left", f.actions())
			}
		})
	}
}

// A VolumeSnapshot made or deleted under a disk snapshot's name wakes that
// disk snapshot, though it has no controller reference to it.
func TestAForeignVolumeSnapshotWakesTheSnapshotOfItsName(t *testing.T) {
	f := newFixture(t, created, append(storageObjects(), newDiskSnapshot())...)
	f.c.enqueueVolumeSnapshotOwner(foreign())
	if f.c.queue.Len() != 1 {
		t.Fatalf("queue length %d, want the disk snapshot of the name queued", f.c.queue.Len())
	}
	if key, _ := f.c.queue.Get(); key != "ns/snap" {
		t.Errorf("queued %q, want ns/snap", key)
	}
	other := foreign()
	other.Name = "vdsnapshot-no-such-uid"
	f = newFixture(t, created, append(storageObjects(), newDiskSnapshot())...)
	f.c.enqueueVolumeSnapshotOwner(other)
	if f.c.queue.Len() != 0 {
		t.Errorf("queue length %d, want nothing queued for a name no disk snapshot has", f.c.queue.Len())
	}
}

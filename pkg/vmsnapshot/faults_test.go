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
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller/controllertest"
	"vmsnap.io/vmsnap/pkg/freeze"
)

// These tests make every write the controller makes fail once, refused or
// landed with its answer lost, and restart the controller right after, as
// a process killed by the failure would be. The writes are those a clean
// run makes, so a write added to the controller is covered at once.

// writeFault is the n-th (from 0) occurrence of one kind of write.
type writeFault struct {
	write string // "verb resource[/subresource]", as RecordWrites names it
	n     int
}

func (w writeFault) String() string { return fmt.Sprintf("%s #%d", w.write, w.n+1) }

// faultsOf lists every write of a clean run as the fault of its occurrence.
func faultsOf(writes []string) []writeFault {
	seen := map[string]int{}
	var out []writeFault
	for _, w := range writes {
		out = append(out, writeFault{write: w, n: seen[w]})
		seen[w]++
	}
	return out
}

// inject makes the write fail once, with err, landed or not.
func (f *fixture) inject(w writeFault, err error, landed bool) *controllertest.Fault {
	verb, rest, _ := strings.Cut(w.write, " ")
	resource, subresource, _ := strings.Cut(rest, "/")
	fault := &controllertest.Fault{Verb: verb, Resource: resource, Subresource: subresource, Err: err, Skip: w.n, Times: 1, Landed: landed}
	switch resource {
	case "virtualmachinesnapshots", "virtualmachinesnapshotcontents":
		controllertest.Inject(f.vmsnap, fault)
	case "virtualmachines", "virtualmachineinstances":
		controllertest.Inject(f.kubevirt, fault)
	case "secrets", "persistentvolumeclaims":
		controllertest.Inject(f.kube, fault)
	case "volumesnapshots", "volumegroupsnapshots":
		controllertest.Inject(f.snapshot, fault)
	default:
		f.t.Fatalf("no fake serves %s", resource)
	}
	return fault
}

// runUntil syncs, the caches catching up and the storage cutting between
// syncs a second apart, until done holds; the controller restarts once,
// right after the sync in which the fault failed a call.
func runUntil(t *testing.T, f *fixture, fault *controllertest.Fault, done func() bool) {
	t.Helper()
	restarted := false
	for i := 0; i < 30; i++ {
		f.clock.Step(time.Second)
		f.catchUp()
		_, _ = f.c.sync(context.Background(), "ns/snap")
		storageCuts(t, f, f.clock.Now())
		if fault != nil && fault.Applied() > 0 && !restarted {
			f.restart()
			restarted = true
		}
		if done() {
			return
		}
	}
	t.Fatalf("not done after 30 syncs: status %+v", f.status("snap"))
}

func failureModes() map[string]struct {
	err    error
	landed bool
} {
	return map[string]struct {
		err    error
		landed bool
	}{
		"refused":             {controllertest.APIErrors()["InternalError"], false},
		"landed, answer lost": {controllertest.APIErrors()["Timeout"], true},
	}
}

// snapshotWorld is a running VM with a guest agent, a disk and a Secret.
func snapshotWorld(t *testing.T) *fixture {
	vm, secret := vmWithSecret()
	return newFixture(t, created, append(storageObjects(), vm, runningVMI(true), secret, newSnapshot(5*time.Minute))...)
}

func (f *fixture) ready() bool {
	st := f.status("snap")
	if st.Phase == snapshotapi.SnapshotFailed {
		f.t.Fatalf("the snapshot failed: %+v", st.Conditions)
	}
	return st.Phase == snapshotapi.SnapshotReady && f.vmUnlocked()
}

// vmUnlocked: the lock is released and the source protection gone.
func (f *fixture) vmUnlocked() bool {
	vm, err := f.kubevirt.KubevirtV1().VirtualMachines("ns").Get(context.Background(), "vm", metav1.GetOptions{})
	return err == nil && vm.Status.SnapshotInProgress == nil && !slices.Contains(vm.Finalizers, freeze.SourceProtection)
}

// sweepWrites runs an operation clean to list its writes (at least
// minWrites), then once for each write and failure mode with that write
// failing once and the controller restarted after it; each run must reach
// done, and then pass check.
func sweepWrites(t *testing.T, minWrites int, world func(*testing.T) *fixture, done func(*fixture) bool,
	check func(*testing.T, *fixture, *guestLog),
) {
	clean := world(t)
	runUntil(t, clean, nil, func() bool { return done(clean) })
	faults := faultsOf(clean.writes)
	if len(faults) < minWrites {
		t.Fatalf("a clean run made only %v", clean.writes)
	}
	for _, w := range faults {
		for mode, m := range failureModes() {
			t.Run(w.String()+", "+mode, func(t *testing.T) {
				f := world(t)
				var guest guestLog
				fault := f.inject(w, m.err, m.landed)
				guest.watch(f)
				runUntil(t, f, fault, func() bool { return done(f) })
				if fault.Applied() != 1 {
					t.Fatalf("the fault failed %d calls, want 1", fault.Applied())
				}
				check(t, f, &guest)
			})
		}
	}
}

func TestEveryWriteOfASnapshotFailingOnce(t *testing.T) {
	sweepWrites(t, 8, snapshotWorld, (*fixture).ready, requireCompleteSnapshot)
}

// requireCompleteSnapshot checks what a user relies on in a Ready snapshot
// of the running VM of snapshotWorld.
func requireCompleteSnapshot(t *testing.T, f *fixture, guest *guestLog) {
	t.Helper()
	ctx := context.Background()
	st := f.status("snap")
	if !ptr.Deref(st.ReadyToUse, false) || !ptr.Deref(st.Consistent, false) {
		t.Errorf("readyToUse %v, consistent %v: want both", st.ReadyToUse, st.Consistent)
	}
	if ptr.Deref(st.SourceUID, "") != "vm-uid" || ptr.Deref(st.VirtualMachineSnapshotContentName, "") != ContentName(newSnapshot(0)) {
		t.Errorf("sourceUID %v, content %v", st.SourceUID, st.VirtualMachineSnapshotContentName)
	}
	if _, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshotContents("ns").Get(ctx, ContentName(newSnapshot(0)), metav1.GetOptions{}); err != nil {
		t.Errorf("content: %v", err)
	}
	if _, err := f.kube.CoreV1().Secrets("ns").Get(ctx, SecretBackupName("uid-1", "userdata"), metav1.GetOptions{}); err != nil {
		t.Errorf("Secret copy: %v", err)
	}
	list, err := f.snapshot.SnapshotV1().VolumeSnapshots("ns").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, vs := range list.Items {
		names = append(names, vs.Name)
	}
	if len(names) != 1 || !guest.cutInOneWindow(names) {
		t.Errorf("VolumeSnapshots %v, guest %v: want one, cut in one freeze window", names, guest.events)
	}
	if n := len(guest.events); n == 0 || guest.events[n-1] != "unfreeze" {
		t.Errorf("guest %v: not thawed at the end", guest.events)
	}
}

// A Retain snapshot makes one more write, the release of its content
// before the cut; every write of it failing once still ends Ready, with a
// content that depends on nothing.
func TestEveryWriteOfARetainSnapshotFailingOnce(t *testing.T) {
	retainWorld := func(t *testing.T) *fixture {
		vm, secret := vmWithSecret()
		snap := newSnapshot(5*time.Minute, func(s *snapshotapi.VirtualMachineSnapshot) { s.Spec.DeletionPolicy = snapshotapi.DeletionPolicyRetain })
		return newFixture(t, created, append(storageObjects(), vm, runningVMI(true), secret, snap)...)
	}
	sweepWrites(t, 9, retainWorld, (*fixture).ready, func(t *testing.T, f *fixture, guest *guestLog) {
		requireCompleteSnapshot(t, f, guest)
		content, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshotContents("ns").Get(context.Background(), ContentName(newSnapshot(0)), metav1.GetOptions{})
		if err == nil && len(content.OwnerReferences) != 0 {
			t.Errorf("the retained content still has owners %+v", content.OwnerReferences)
		}
	})
}

func TestEveryWriteOfADeletionFailingOnce(t *testing.T) {
	sweepWrites(t, 3, deletedWhenReady(snapshotWorld), (*fixture).released, func(*testing.T, *fixture, *guestLog) {})
}

// deletedWhenReady is a world whose snapshot is deleted once Ready.
func deletedWhenReady(world func(*testing.T) *fixture) func(*testing.T) *fixture {
	return func(t *testing.T) *fixture {
		f := world(t)
		runUntil(t, f, nil, f.ready)
		snap, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshots("ns").Get(context.Background(), "snap", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		snap.DeletionTimestamp = ptr.To(metav1.NewTime(f.clock.Now()))
		snap.ResourceVersion = "deleted" // the fake does not move it, the API would
		if err := f.vmsnap.Tracker().Update(snapshotapi.SchemeGroupVersion.WithResource("virtualmachinesnapshots"), snap, "ns"); err != nil {
			t.Fatal(err)
		}
		f.writes = nil
		return f
	}
}

// released reports whether a deleted snapshot let go of everything: its
// content and VolumeSnapshots are deleted, and its finalizer is gone.
func (f *fixture) released() bool {
	ctx := context.Background()
	snap, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshots("ns").Get(ctx, "snap", metav1.GetOptions{})
	if err != nil || len(snap.Finalizers) != 0 {
		return false
	}
	if _, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshotContents("ns").Get(ctx, ContentName(snap), metav1.GetOptions{}); err == nil {
		return false
	}
	list, err := f.snapshot.SnapshotV1().VolumeSnapshots("ns").List(ctx, metav1.ListOptions{})
	return err == nil && len(list.Items) == 0 && f.vmUnlocked()
}

// A deletion sync that runs again before the cache shows what the last one
// deleted does not delete it again: the VolumeSnapshot and the content are
// each deleted once.
func TestDeletionDeletesEachObjectOnce(t *testing.T) {
	f := deletedWhenReady(snapshotWorld)(t)
	ctx := context.Background()
	for i := 0; i < 30 && !f.released(); i++ {
		f.clock.Step(time.Second)
		_, _ = f.c.sync(ctx, "ns/snap")
		_, _ = f.c.sync(ctx, "ns/snap") // woken again, the cache still behind
		f.catchUp()
	}
	if !f.released() {
		t.Fatalf("not released after 30 rounds: writes %v", f.actions())
	}
	deletes := map[string]int{}
	for _, w := range f.actions() {
		if verb, resource, _ := strings.Cut(w, " "); verb == "delete" {
			deletes[resource]++
		}
	}
	if want := map[string]int{"volumesnapshots": 1, "virtualmachinesnapshotcontents": 1}; !maps.Equal(deletes, want) {
		t.Errorf("deletes %v, want %v (writes %v)", deletes, want, f.actions())
	}
}

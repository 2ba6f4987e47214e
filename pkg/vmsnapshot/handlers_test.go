package vmsnapshot

import (
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/snapshotclass"
)

// snapshotIn is a snapshot named name in namespace with the phase and the
// reason of its Ready condition.
func snapshotIn(namespace, name string, phase snapshotapi.SnapshotPhase, reason string) *snapshotapi.VirtualMachineSnapshot {
	return newSnapshot(time.Minute, func(s *snapshotapi.VirtualMachineSnapshot) {
		s.Namespace, s.Name, s.UID = namespace, name, types.UID("uid-"+namespace+"-"+name)
		s.Status.Phase = phase
		if reason != "" {
			s.Status.Conditions = []metav1.Condition{{Type: snapshotapi.ConditionReady, Status: metav1.ConditionFalse, Reason: reason}}
		}
	})
}

// A VolumeSnapshotClass event wakes only the snapshots that wait for a
// class; snapshots that are done, running, waiting for something else or
// being deleted are left alone, whatever their VM.
func TestVolumeSnapshotClassEventWakesOnlyThoseWaitingForAClass(t *testing.T) {
	deleting := snapshotIn("ns", "no-class-deleting", snapshotapi.SnapshotPending, snapshotclass.ReasonNone)
	deleting.DeletionTimestamp = &metav1.Time{Time: created}

	for _, tc := range []struct {
		name  string
		cache []runtime.Object
		want  []string
	}{{
		name: "one waits for a class among others",
		cache: []runtime.Object{
			snapshotIn("ns", "ready", snapshotapi.SnapshotReady, ReasonReady),
			snapshotIn("ns", "failed-no-class", snapshotapi.SnapshotFailed, snapshotclass.ReasonNone),
			snapshotIn("ns", "in-progress", snapshotapi.SnapshotInProgress, ReasonInProgress),
			snapshotIn("ns", "disk-not-ready", snapshotapi.SnapshotPending, ReasonDiskNotReady),
			snapshotIn("other", "waiting-for-vm", snapshotapi.SnapshotPending, ReasonWaitingForVM),
			snapshotIn("other", "no-agent", snapshotapi.SnapshotPending, ReasonNoGuestAgent),
			snapshotIn("other", "new", "", ""),
			deleting,
			snapshotIn("ns", "no-class", snapshotapi.SnapshotPending, snapshotclass.ReasonNone),
		},
		want: []string{"ns/no-class"},
	}, {
		name: "every reason about the choice of a class",
		cache: []runtime.Object{
			snapshotIn("a", "ambiguous", snapshotapi.SnapshotPending, snapshotclass.ReasonAmbiguous),
			snapshotIn("b", "not-found", snapshotapi.SnapshotPending, snapshotclass.ReasonNotFound),
			snapshotIn("c", "driver-mismatch", snapshotapi.SnapshotPending, snapshotclass.ReasonDriverMismatch),
			snapshotIn("d", "no-class", snapshotapi.SnapshotPending, snapshotclass.ReasonNone),
		},
		want: []string{"a/ambiguous", "b/not-found", "c/driver-mismatch", "d/no-class"},
	}, {
		name: "none waits for a class",
		cache: []runtime.Object{
			snapshotIn("ns", "ready", snapshotapi.SnapshotReady, ReasonReady),
			snapshotIn("ns", "resizing", snapshotapi.SnapshotPending, ReasonDiskResizing),
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, created, tc.cache...)
			if n := f.c.queue.Len(); n != 0 {
				t.Fatalf("the queue holds %d keys before the event", n)
			}

			f.c.enqueueWaitingForClass()

			var got []string
			for f.c.queue.Len() > 0 {
				key, _ := f.c.queue.Get()
				got = append(got, key)
				f.c.queue.Done(key)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("enqueued %v; want %v", got, tc.want)
			}
			if writes := f.actions(); len(writes) > 0 {
				t.Errorf("the handler wrote %v; it must only enqueue", writes)
			}
		})
	}
}

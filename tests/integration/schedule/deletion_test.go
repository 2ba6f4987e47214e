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

package schedule

import (
	"context"
	"slices"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/schedule"
	"vmsnap.io/vmsnap/tests/framework"
)

// A schedule deleted with deletionPolicy Retain, the default, goes at once
// and keeps its snapshots. A new schedule of the same name does not take
// them for its own: its retention never prunes them.
func TestDeletingAScheduleWithRetainKeepsItsSnapshots(t *testing.T) {
	f := framework.New(t)
	selected := map[string]string{"backup": "frequent"}
	f.CreateVM("web", framework.WithPVCDisks(1), framework.WithLabels(selected))
	created := f.CreateSchedule("nightly", "@every 5s", selected)
	if created.Spec.DeletionPolicy != snapshotapi.DeletionPolicyRetain {
		t.Errorf("deletionPolicy %q, want the default %s", created.Spec.DeletionPolicy, snapshotapi.DeletionPolicyRetain)
	}
	waitForFirstReadySnapshots(f, "nightly", []string{"web"})
	if s := f.GetSchedule("nightly"); slices.Contains(s.Finalizers, schedule.FinalizerSnapshots) {
		t.Errorf("a schedule that retains its snapshots has finalizer %s: %v", schedule.FinalizerSnapshots, s.Finalizers)
	}

	f.DeleteSchedule("nightly")
	waitForScheduleGone(f, "nightly")
	kept := scheduledSnapshotsOfVM(t, f, "nightly", "web")
	if len(kept) == 0 {
		t.Fatal("the schedule's snapshots went with it")
	}
	requireSnapshotsKept(f, kept, 6*time.Second)

	// A new schedule of the name, keeping one snapshot: it prunes its own
	// snapshots, never the old ones.
	f.CreateSchedule("nightly", "@every 5s", selected, func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) {
		s.Retention.MaxCount = ptr.To[int32](1)
	})
	own := waitForFirstReadySnapshots(f, "nightly", []string{"web"})
	waitForReadyRun(f, "nightly", own, 1)
	f.WaitForSnapshotGone(own["web"])
	requireSnapshotsKept(f, kept, time.Second)
}

// A schedule deleted with deletionPolicy Delete deletes its snapshots, and
// their contents, and only then goes; a snapshot of the same VM that a user
// took stays.
func TestDeletingAScheduleWithDeleteDeletesItsSnapshotsFirst(t *testing.T) {
	f := framework.New(t)
	selected := map[string]string{"backup": "frequent"}
	f.CreateVM("web", framework.WithPVCDisks(1), framework.WithLabels(selected))
	f.CreateSnapshot("manual", "web")
	f.WaitForSnapshotPhase("manual", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	f.CreateSchedule("hourly", "@every 5s", selected, func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) {
		s.DeletionPolicy = snapshotapi.DeletionPolicyDelete
	})
	first := waitForFirstReadySnapshots(f, "hourly", []string{"web"})
	waitForReadyRun(f, "hourly", first, 1)
	if s := f.GetSchedule("hourly"); !slices.Contains(s.Finalizers, schedule.FinalizerSnapshots) {
		t.Fatalf("a schedule that deletes its snapshots must hold finalizer %s; has %v", schedule.FinalizerSnapshots, s.Finalizers)
	}
	var contents []string
	for _, snap := range f.ScheduledSnapshots("hourly") {
		if snap.Status.VirtualMachineSnapshotContentName != nil {
			contents = append(contents, *snap.Status.VirtualMachineSnapshotContentName)
		}
	}

	f.DeleteSchedule("hourly")
	// Whenever the schedule is seen gone, none of its snapshots is left.
	var left string
	f.Eventually("vmsnapschedule "+f.Namespace+"/hourly", "gone, after its snapshots", framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		s, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotSchedules(f.Namespace).Get(ctx, "hourly", metav1.GetOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return false, "", err
		}
		list, listErr := scheduledSnapshotsOf(ctx, f, "hourly", "web")
		if listErr != nil {
			return false, "", listErr
		}
		if apierrors.IsNotFound(err) {
			if len(list) > 0 {
				left = describeScheduled(list)
			}
			return true, "", nil
		}
		return false, framework.DescribeSchedule(s) + "\n  snapshots: " + describeScheduled(list), nil
	})
	if left != "" {
		t.Fatalf("the schedule went before its snapshots: %s", left)
	}
	for _, c := range contents {
		f.WaitForContentGone(c)
	}
	if snap := f.GetSnapshot("manual"); snap.DeletionTimestamp != nil || snap.Status.Phase != snapshotapi.SnapshotReady {
		t.Errorf("the user's own snapshot of the VM was touched: %s", framework.DescribeSnapshot(snap))
	}
}

// waitForScheduleGone waits until a schedule is deleted, finalizers and all.
func waitForScheduleGone(f *framework.Framework, name string) {
	f.WaitForGone("vmsnapschedule "+f.Namespace+"/"+name, func(ctx context.Context) (string, error) {
		s, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotSchedules(f.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return "", err
		}
		return framework.DescribeSchedule(s), nil
	})
}

// requireSnapshotsKept fails the test if, during d, any of the snapshots
// is deleted or leaves its phase.
func requireSnapshotsKept(f *framework.Framework, snapshots []snapshotapi.VirtualMachineSnapshot, d time.Duration) {
	f.Consistently("the retained snapshots", "each kept, in its phase", d, func(ctx context.Context) (bool, string, error) {
		for _, want := range snapshots {
			got, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(f.Namespace).Get(ctx, want.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return false, want.Name + " deleted", nil
			}
			if err != nil {
				return false, "", err
			}
			if got.DeletionTimestamp != nil || (want.Status.Phase == snapshotapi.SnapshotReady && got.Status.Phase != snapshotapi.SnapshotReady) {
				return false, want.Name + ": " + framework.DescribeSnapshot(got), nil
			}
		}
		return true, "", nil
	})
}

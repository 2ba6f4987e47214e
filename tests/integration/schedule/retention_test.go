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
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/schedule"
	"vmsnap.io/vmsnap/tests/framework"
)

// Retention by count: with maxCount 2, once a VM has had four runs only its
// two newest Ready snapshots are left; the older ones are deleted, content
// and all, and the schedule tells so in Pruned events.
func TestRetentionKeepsTheNewestReadySnapshotsByCount(t *testing.T) {
	f := framework.New(t)
	selected := map[string]string{"backup": "frequent"}
	vms := []string{"db", "web"}
	for _, vm := range vms {
		f.CreateVM(vm, framework.WithPVCDisks(1), framework.WithLabels(selected))
	}
	f.CreateSchedule("keep2", "@every 5s", selected, func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) {
		s.Retention.MaxCount = ptr.To[int32](2)
	})

	first := waitForFirstReadySnapshots(f, "keep2", vms)
	// The first run's snapshots and the contents they captured.
	contents := map[string]string{}
	for vm, snap := range first {
		s := f.GetSnapshot(snap)
		if s.Status.VirtualMachineSnapshotContentName == nil {
			t.Fatalf("Ready snapshot %s names no content: %s", snap, framework.DescribeSnapshot(s))
		}
		contents[vm] = *s.Status.VirtualMachineSnapshotContentName
	}
	waitForReadyRun(f, "keep2", first, 3)

	f.Eventually("snapshots of schedule keep2", "each VM's 2 newest Ready snapshots kept, the older ones gone", 30*time.Second, func(ctx context.Context) (bool, string, error) {
		var seen []string
		done := true
		for _, vm := range vms {
			list, err := scheduledSnapshotsOf(ctx, f, "keep2", vm)
			if err != nil {
				return false, "", err
			}
			seen = append(seen, vm+": "+describeScheduled(list))
			kept := notDeleting(inPhase(list, snapshotapi.SnapshotReady))
			all := inPhase(list, snapshotapi.SnapshotReady)
			if len(kept) != 2 || !slices.Equal(snapshotNames(kept), snapshotNames(all[len(all)-2:])) || slices.Contains(snapshotNames(list), first[vm]) {
				done = false
			}
		}
		return done, strings.Join(seen, "; "), nil
	})
	for _, vm := range vms {
		waitForScheduleEventNaming(f, "keep2", corev1.EventTypeNormal, schedule.EventPruned, first[vm])
		f.WaitForContentGone(contents[vm])
	}
}

// Retention never deletes a snapshot that an unfinished restore reads,
// however far past maxCount it is; once the restore is gone, it is pruned.
// The restore is held unfinished as a user's would be: an in-place restore
// of a running VM with targetReadinessPolicy WaitEventually waits, Pending,
// until the VM stops, and meanwhile the VM keeps being snapshotted.
func TestRetentionSparesASnapshotAnUnfinishedRestoreReads(t *testing.T) {
	f := framework.New(t)
	selected := map[string]string{"backup": "frequent"}
	vm := f.CreateVM("web", framework.WithPVCDisks(1), framework.WithLabels(selected))
	f.StartVM(vm, true) // the guest agent freezes it for consistent snapshots
	f.CreateSchedule("keep1", "@every 6s", selected, func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) {
		s.Retention.MaxCount = ptr.To[int32](1)
	})

	held := waitForFirstReadySnapshots(f, "keep1", []string{"web"})["web"]
	f.CreateRestore("restore", held, framework.WithReadinessPolicy(snapshotapi.TargetReadinessWaitEventually))
	f.WaitForRestore("restore", "Pending while the VM runs", framework.DefaultTimeout, func(r *snapshotapi.VirtualMachineRestore) bool {
		return r.Status.Phase == snapshotapi.RestorePending
	})

	// Two more runs: the second run's snapshot is pruned by count once the
	// third one's is Ready; the held one, older still, must stay.
	second := nextRunSnapshot(t, f, "keep1", held, 1)
	waitForReadyRun(f, "keep1", map[string]string{"web": held}, 2)
	f.WaitForSnapshotGone(second)
	snap, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(f.Namespace).Get(f.Context(), held, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		t.Fatalf("snapshot %s, which the unfinished restore reads, was deleted", held)
	case err != nil:
		t.Fatalf("reading VirtualMachineSnapshot %s: %v", held, err)
	case snap.DeletionTimestamp != nil || snap.Status.Phase != snapshotapi.SnapshotReady:
		t.Fatalf("snapshot %s, which the unfinished restore reads, is being deleted or no longer Ready: %s", held, framework.DescribeSnapshot(snap))
	}
	if r := f.GetRestore("restore"); r.Status.Phase != snapshotapi.RestorePending {
		t.Fatalf("the restore must still be waiting for the VM; got %s", framework.DescribeRestore(r))
	}
	for _, e := range f.Events("VirtualMachineSnapshotSchedule", "keep1") {
		if e.Reason == schedule.EventPruned && strings.Contains(e.Message, held) {
			t.Errorf("a Pruned event names %s, which the restore reads: %q", held, e.Message)
		}
	}

	// Without the restore, the snapshot is past maxCount: it goes.
	f.DeleteRestore("restore")
	f.WaitForRestoreGone("restore")
	f.WaitForSnapshotGone(held)
	waitForScheduleEventNaming(f, "keep1", corev1.EventTypeNormal, schedule.EventPruned, held)
	if e := scheduleEntry(f.GetSchedule("keep1"), "web"); e.LastSuccessfulSnapshotName == "" || e.LastSuccessfulSnapshotName == held {
		t.Errorf("the VM's newest Ready snapshot must be kept: %+v", e)
	}
}

// Failed snapshots are kept for diagnosis, at most retention.maxFailed of
// them per VM: the newest ones.
func TestRetentionKeepsAtMostMaxFailedFailedSnapshots(t *testing.T) {
	f := framework.New(t)
	selected := map[string]string{"backup": "frequent"}
	failingClass := f.CreateStorageClass(map[string]string{"failSnapshot": "true"})
	f.CreateVM("flaky", framework.WithPVCDisk("disk0", failingClass), framework.WithLabels(selected))
	f.CreateSchedule("failures", "@every 4s", selected, func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) {
		s.Template.FailureDeadline = &metav1.Duration{Duration: 2 * time.Second}
		s.MaxConsecutiveFailures = ptr.To[int32](0) // never suspend the VM
		s.Retention.MaxFailed = ptr.To[int32](2)
	})

	// The first failed snapshot, named before retention may prune it.
	firstFailed := f.WaitForSchedule("failures", "a first snapshot of VM flaky taken", 60*time.Second, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		return scheduleEntry(s, "flaky").LastSnapshotName != ""
	})
	first := scheduleEntry(firstFailed, "flaky").LastSnapshotName

	const failures = 4
	s := f.WaitForSchedule("failures", fmt.Sprintf("%d failed snapshots of VM flaky counted", failures), 60*time.Second, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		return scheduleEntry(s, "flaky").ConsecutiveFailures >= failures
	})
	if e := scheduleEntry(s, "flaky"); e.Suspended {
		t.Errorf("maxConsecutiveFailures 0 must never suspend the VM: %s", framework.DescribeSchedule(s))
	}

	f.Eventually("snapshots of schedule failures", "the 2 newest Failed snapshots of VM flaky kept, the older ones gone", 30*time.Second, func(ctx context.Context) (bool, string, error) {
		list, err := scheduledSnapshotsOf(ctx, f, "failures", "flaky")
		if err != nil {
			return false, "", err
		}
		kept := notDeleting(inPhase(list, snapshotapi.SnapshotFailed))
		all := inPhase(list, snapshotapi.SnapshotFailed)
		done := len(kept) == 2 && slices.Equal(snapshotNames(kept), snapshotNames(all[len(all)-2:])) && !slices.Contains(snapshotNames(list), first)
		return done, describeScheduled(list), nil
	})
	for _, snap := range f.ScheduledSnapshots("failures") {
		if snap.Status.Phase == snapshotapi.SnapshotReady {
			t.Errorf("snapshot %s of a disk whose snapshots all fail is Ready: %s", snap.Name, framework.DescribeSnapshot(&snap))
		}
	}
	waitForScheduleEventNaming(f, "failures", corev1.EventTypeNormal, schedule.EventPruned, first)
}

// Retention by age deletes the Ready snapshots older than maxAge, but never
// the VM's newest Ready one, however old it gets: with the schedule
// suspended, no newer one comes, and the last stays.
func TestRetentionByAgeKeepsTheNewestReadySnapshot(t *testing.T) {
	const maxAge = 12 * time.Second
	f := framework.New(t)
	selected := map[string]string{"backup": "frequent"}
	f.CreateVM("web", framework.WithPVCDisks(1), framework.WithLabels(selected))
	f.CreateSchedule("aged", "@every 5s", selected, func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) {
		s.Retention.MaxAge = &metav1.Duration{Duration: maxAge}
	})

	first := waitForFirstReadySnapshots(f, "aged", []string{"web"})["web"]
	firstCut := f.GetSnapshot(first).Status.CreationTime
	if firstCut == nil {
		t.Fatalf("Ready snapshot %s has no creation time", first)
	}
	// Newer snapshots exist by the time the first one is maxAge old: it
	// goes, at its age.
	f.WaitForSnapshotGone(first)
	if gone := time.Now(); gone.Before(firstCut.Add(maxAge)) {
		t.Errorf("snapshot %s cut at %s was deleted at %s, before it was %s old", first, firstCut.UTC().Format(time.RFC3339), gone.UTC().Format(time.RFC3339), maxAge)
	}
	waitForScheduleEventNaming(f, "aged", corev1.EventTypeNormal, schedule.EventPruned, first)

	f.UpdateSchedule("aged", func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) { s.Suspend = ptr.To(true) })
	s := f.WaitForSchedule("aged", "suspended, and no snapshot in progress", 30*time.Second, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		return readyReason(s) == schedule.ReasonSuspended && scheduleEntry(s, "web").LastSuccessfulSnapshotName == scheduleEntry(s, "web").LastSnapshotName
	})
	newest := scheduleEntry(s, "web").LastSuccessfulSnapshotName
	newestCut := f.GetSnapshot(newest).Status.CreationTime
	if newestCut == nil {
		t.Fatalf("Ready snapshot %s has no creation time", newest)
	}

	// Every other Ready snapshot expires; the newest stays past its age.
	f.Eventually("snapshots of schedule aged", "only the newest Ready snapshot "+newest+" left", time.Until(newestCut.Add(maxAge))+20*time.Second,
		func(ctx context.Context) (bool, string, error) {
			list, err := scheduledSnapshotsOf(ctx, f, "aged", "web")
			if err != nil {
				return false, "", err
			}
			return slices.Equal(snapshotNames(list), []string{newest}), describeScheduled(list), nil
		})
	if wait := time.Until(newestCut.Add(maxAge + 2*time.Second)); wait > 0 {
		time.Sleep(wait)
	}
	f.Consistently("vmsnapshot "+f.Namespace+"/"+newest, "the VM's newest Ready snapshot kept past maxAge", 4*time.Second, func(ctx context.Context) (bool, string, error) {
		snap, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(f.Namespace).Get(ctx, newest, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return snap.DeletionTimestamp == nil && snap.Status.Phase == snapshotapi.SnapshotReady, framework.DescribeSnapshot(snap), nil
	})
	if e := scheduleEntry(f.GetSchedule("aged"), "web"); e.LastSuccessfulSnapshotName != newest {
		t.Errorf("status names %q as the VM's newest Ready snapshot, want %s", e.LastSuccessfulSnapshotName, newest)
	}
}

// Helpers shared by the schedule tests of this package's retention,
// suspension, in-progress and deletion files.

// scheduleEntry is the status entry of a VM, or a zero one.
func scheduleEntry(s *snapshotapi.VirtualMachineSnapshotSchedule, vm string) snapshotapi.ScheduledVirtualMachine {
	for _, e := range s.Status.VirtualMachines {
		if e.Name == vm {
			return e
		}
	}
	return snapshotapi.ScheduledVirtualMachine{}
}

// readyReason is the reason of a schedule's Ready condition.
func readyReason(s *snapshotapi.VirtualMachineSnapshotSchedule) string {
	for _, c := range s.Status.Conditions {
		if c.Type == snapshotapi.ConditionReady {
			return c.Reason
		}
	}
	return ""
}

// scheduledSnapshotsOf lists a schedule's snapshots of one VM, oldest run
// first, as `kubectl get vmsnapshot -l` would select them.
func scheduledSnapshotsOf(ctx context.Context, f *framework.Framework, scheduleName, vm string) ([]snapshotapi.VirtualMachineSnapshot, error) {
	list, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(f.Namespace).List(ctx, metav1.ListOptions{
		LabelSelector: labels.Set{snapshotapi.LabelSchedule: scheduleName, snapshotapi.LabelScheduledVM: vm}.String(),
	})
	if err != nil {
		return nil, err
	}
	items := list.Items
	slices.SortFunc(items, func(a, b snapshotapi.VirtualMachineSnapshot) int {
		return strings.Compare(a.Annotations[snapshotapi.AnnotationScheduleTime]+a.Name, b.Annotations[snapshotapi.AnnotationScheduleTime]+b.Name)
	})
	return items, nil
}

// inPhase keeps the snapshots in a phase, in their order.
func inPhase(list []snapshotapi.VirtualMachineSnapshot, phase snapshotapi.SnapshotPhase) []snapshotapi.VirtualMachineSnapshot {
	return slices.DeleteFunc(slices.Clone(list), func(s snapshotapi.VirtualMachineSnapshot) bool { return s.Status.Phase != phase })
}

// notDeleting drops the snapshots being deleted.
func notDeleting(list []snapshotapi.VirtualMachineSnapshot) []snapshotapi.VirtualMachineSnapshot {
	return slices.DeleteFunc(slices.Clone(list), func(s snapshotapi.VirtualMachineSnapshot) bool { return s.DeletionTimestamp != nil })
}

func snapshotNames(list []snapshotapi.VirtualMachineSnapshot) []string {
	out := make([]string, 0, len(list))
	for _, s := range list {
		out = append(out, s.Name)
	}
	return out
}

// describeScheduled renders snapshots as name (phase[, deleting]).
func describeScheduled(list []snapshotapi.VirtualMachineSnapshot) string {
	if len(list) == 0 {
		return "none"
	}
	out := make([]string, 0, len(list))
	for _, s := range list {
		d := fmt.Sprintf("%s (%s", s.Name, s.Status.Phase)
		if s.DeletionTimestamp != nil {
			d += ", deleting"
		}
		out = append(out, d+")")
	}
	return strings.Join(out, ", ")
}

// runTimeOf is the run a scheduled snapshot was taken for.
func runTimeOf(t *testing.T, s *snapshotapi.VirtualMachineSnapshot) time.Time {
	t.Helper()
	run, ok := schedule.RunTime(s)
	if !ok {
		t.Fatalf("snapshot %s has no readable run time: %v", s.Name, s.Annotations)
	}
	return run
}

// waitForFirstReadySnapshots waits until each VM has a Ready snapshot of
// the schedule, and returns their names by VM.
func waitForFirstReadySnapshots(f *framework.Framework, scheduleName string, vms []string) map[string]string {
	s := f.WaitForSchedule(scheduleName, "a Ready snapshot of each of "+strings.Join(vms, ", "), 60*time.Second, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		for _, vm := range vms {
			if scheduleEntry(s, vm).LastSuccessfulSnapshotName == "" {
				return false
			}
		}
		return true
	})
	out := map[string]string{}
	for _, vm := range vms {
		out[vm] = scheduleEntry(s, vm).LastSuccessfulSnapshotName
	}
	return out
}

// waitForReadyRun waits until each VM's newest Ready snapshot is of a run
// at least runs intervals after its snapshot named in from. Snapshot names
// of one schedule and VM end with their run time, so they sort by it.
func waitForReadyRun(f *framework.Framework, scheduleName string, from map[string]string, runs int) *snapshotapi.VirtualMachineSnapshotSchedule {
	s := f.GetSchedule(scheduleName)
	every, err := time.ParseDuration(strings.TrimPrefix(s.Spec.Schedule, "@every "))
	if err != nil {
		panic(fmt.Sprintf("schedule %q is no @every schedule", s.Spec.Schedule))
	}
	want := map[string]string{}
	for vm, name := range from {
		run, ok := schedule.RunTime(f.GetSnapshot(name))
		if !ok {
			panic("snapshot " + name + " has no run time")
		}
		want[vm] = schedule.SnapshotName(scheduleName, vm, run.Add(time.Duration(runs)*every))
	}
	return f.WaitForSchedule(scheduleName, fmt.Sprintf("a Ready snapshot of a run %d intervals later for each VM (%v)", runs, want), time.Duration(runs)*every+45*time.Second,
		func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
			for vm, name := range want {
				if scheduleEntry(s, vm).LastSuccessfulSnapshotName < name {
					return false
				}
			}
			return true
		})
}

// nextRunSnapshot waits until the schedule has created the snapshot of the
// VM of `runs` intervals after snapshot from, and returns its name.
func nextRunSnapshot(t *testing.T, f *framework.Framework, scheduleName, from string, runs int) string {
	t.Helper()
	snap := f.GetSnapshot(from)
	s := f.GetSchedule(scheduleName)
	every, err := time.ParseDuration(strings.TrimPrefix(s.Spec.Schedule, "@every "))
	if err != nil {
		t.Fatalf("schedule %q is no @every schedule", s.Spec.Schedule)
	}
	name := schedule.SnapshotName(scheduleName, snap.Spec.Source.Name, runTimeOf(t, snap).Add(time.Duration(runs)*every))
	f.WaitForSnapshot(name, "created by the schedule", time.Duration(runs)*every+30*time.Second, func(*snapshotapi.VirtualMachineSnapshot) bool { return true })
	return name
}

// waitForScheduleEventNaming waits for an event of the type and reason
// about the schedule whose message names what (aggregated events keep the
// newest message).
func waitForScheduleEventNaming(f *framework.Framework, scheduleName, eventType, reason, what string) corev1.Event {
	var found corev1.Event
	want := fmt.Sprintf("a %s %s event naming %s", eventType, reason, what)
	f.Eventually("events of vmsnapschedule "+f.Namespace+"/"+scheduleName, want, framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		events, err := scheduleEvents(ctx, f, scheduleName)
		if err != nil {
			return false, "", err
		}
		for _, e := range events {
			if e.Type == eventType && e.Reason == reason && strings.Contains(e.Message, what) {
				found = e
				return true, "", nil
			}
		}
		return false, framework.DescribeEvents(events), nil
	})
	return found
}

// scheduleEvents lists the events about a schedule, oldest first.
func scheduleEvents(ctx context.Context, f *framework.Framework, scheduleName string) ([]corev1.Event, error) {
	selector := fields.Set{"involvedObject.kind": "VirtualMachineSnapshotSchedule", "involvedObject.name": scheduleName}.AsSelector().String()
	list, err := f.Kube.CoreV1().Events(f.Namespace).List(ctx, metav1.ListOptions{FieldSelector: selector})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(list.Items, func(a, b corev1.Event) int { return a.CreationTimestamp.Compare(b.CreationTimestamp.Time) })
	return list.Items, nil
}

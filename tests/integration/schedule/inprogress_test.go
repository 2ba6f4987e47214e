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
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/schedule"
	"vmsnap.io/vmsnap/tests/framework"
)

// A run that comes while a VM's previous scheduled snapshot is still in
// progress skips that VM, and says so; it never starts a second snapshot of
// it. Here the snapshot of a running VM without a guest agent, which must
// be consistent, waits until its deadline; the stopped VM of the same
// schedule is snapshotted at every run meanwhile. Once the first snapshot
// has failed, the next run takes the VM again.
func TestRunsSkipAVMWhoseScheduledSnapshotIsInProgress(t *testing.T) {
	const (
		every    = 5 * time.Second
		deadline = 15 * time.Second
	)
	f := framework.New(t)
	selected := map[string]string{"backup": "frequent"}
	web := f.CreateVM("web", framework.WithPVCDisks(1), framework.WithLabels(selected))
	f.StartVM(web, false) // no guest agent: no consistent snapshot while it runs
	f.CreateVM("db", framework.WithPVCDisks(1), framework.WithLabels(selected))
	f.CreateSchedule("busy", "@every 5s", selected, func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) {
		s.Template.RequiredConsistency = ptr.To(true)
		s.Template.FailureDeadline = &metav1.Duration{Duration: deadline}
	})

	s := f.WaitForSchedule("busy", "a first snapshot of VM web", 60*time.Second, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		return scheduleEntry(s, "web").LastSnapshotName != ""
	})
	first := scheduleEntry(s, "web").LastSnapshotName
	firstRun := runTimeOf(t, f.GetSnapshot(first))
	dbBefore := scheduleEntry(s, "db")

	// The next two runs skip VM web; its first snapshot is the only one.
	var violation string
	f.Eventually("vmsnapschedule "+f.Namespace+"/busy", "the two runs after the first recorded as Skipped for VM web", 2*every+30*time.Second,
		func(ctx context.Context) (bool, string, error) {
			list, err := scheduledSnapshotsOf(ctx, f, "busy", "web")
			if err != nil {
				return false, "", err
			}
			if len(list) != 1 {
				violation = describeScheduled(list)
				return true, "", nil
			}
			s, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotSchedules(f.Namespace).Get(ctx, "busy", metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			e := scheduleEntry(s, "web")
			return e.LastRunResult == snapshotapi.ScheduleRunSkipped && e.LastRunTime != nil && !e.LastRunTime.Time.Before(firstRun.Add(2*every)),
				framework.DescribeSchedule(s) + "\n  snapshots of web: " + describeScheduled(list), nil
		})
	if violation != "" {
		t.Fatalf("while snapshot %s of VM web is in progress, the schedule has these of it: %s", first, violation)
	}
	s = f.GetSchedule("busy")
	if e := scheduleEntry(s, "web"); e.LastSnapshotName != first {
		t.Errorf("VM web: lastSnapshotName %q, want the one in progress, %s", e.LastSnapshotName, first)
	}
	if snap := f.GetSnapshot(first); snap.Status.Phase != snapshotapi.SnapshotPending {
		t.Errorf("snapshot %s of the running VM without an agent: want Pending until its %s deadline; got %s", first, deadline, framework.DescribeSnapshot(snap))
	}
	if e := scheduleEntry(s, "db"); e.LastRunResult != snapshotapi.ScheduleRunTaken || e.LastSnapshotName == dbBefore.LastSnapshotName {
		t.Errorf("VM db must be snapshotted at each run meanwhile: before %+v, now %s", dbBefore, framework.DescribeSchedule(s))
	}
	waitForScheduleEventNaming(f, "busy", corev1.EventTypeWarning, schedule.EventRunFinished, "1 skipped")

	// The first snapshot fails at its deadline; only then does a run take
	// VM web again.
	var second string
	f.Eventually("snapshots of VM web by vmsnapschedule busy", "a second snapshot, once the first one failed", deadline+every+30*time.Second,
		func(ctx context.Context) (bool, string, error) {
			list, err := scheduledSnapshotsOf(ctx, f, "busy", "web")
			if err != nil {
				return false, "", err
			}
			if len(list) > 1 {
				for _, snap := range list {
					if snap.Name == first && snap.Status.Phase != snapshotapi.SnapshotFailed {
						violation = describeScheduled(list)
					}
				}
				second = list[len(list)-1].Name
				return true, "", nil
			}
			return false, describeScheduled(list), nil
		})
	if violation != "" {
		t.Fatalf("a second snapshot of VM web was made while %s was unfinished: %s", first, violation)
	}
	failed := f.GetSnapshot(first)
	if failed.Status.Phase != snapshotapi.SnapshotFailed {
		t.Errorf("snapshot %s: want Failed at its deadline; got %s", first, framework.DescribeSnapshot(failed))
	}
	if run := runTimeOf(t, f.GetSnapshot(second)); !run.After(firstRun.Add(2 * every)) {
		t.Errorf("snapshot %s is for the run of %s, one that should have skipped VM web", second, run.UTC().Format(time.RFC3339))
	}
}

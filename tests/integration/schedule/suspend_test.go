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
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/schedule"
	"vmsnap.io/vmsnap/tests/framework"
)

// A suspended schedule takes no snapshot, says it is suspended and has no
// next run; resumed, it runs again.
func TestSuspendStopsRunsAndResumeStartsThemAgain(t *testing.T) {
	const every = 5 * time.Second
	f := framework.New(t)
	selected := map[string]string{"backup": "frequent"}
	f.CreateVM("web", framework.WithPVCDisks(1), framework.WithLabels(selected))
	f.CreateSchedule("pausable", "@every 5s", selected)
	waitForFirstReadySnapshots(f, "pausable", []string{"web"})

	f.UpdateSchedule("pausable", func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) { s.Suspend = ptr.To(true) })
	f.WaitForSchedule("pausable", "Ready=False (Suspended) and no next run", 30*time.Second, suspendedStatus)
	taken := snapshotNames(f.ScheduledSnapshots("pausable"))

	f.Consistently("vmsnapschedule "+f.Namespace+"/pausable", fmt.Sprintf("no new snapshot over %s while suspended, still suspended with no next run", 2*every+2*time.Second), 2*every+2*time.Second,
		func(ctx context.Context) (bool, string, error) {
			s, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotSchedules(f.Namespace).Get(ctx, "pausable", metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			list, err := scheduledSnapshotsOf(ctx, f, "pausable", "web")
			if err != nil {
				return false, "", err
			}
			return suspendedStatus(s) && slices.Equal(snapshotNames(list), taken),
				framework.DescribeSchedule(s) + "\n  snapshots: " + describeScheduled(list), nil
		})

	resumed := time.Now()
	f.UpdateSchedule("pausable", func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) { s.Suspend = ptr.To(false) })
	s := f.WaitForSchedule("pausable", "Ready=True (Scheduled), a next run, and a new Ready snapshot", 2*every+30*time.Second, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		c := meta.FindStatusCondition(s.Status.Conditions, snapshotapi.ConditionReady)
		e := scheduleEntry(s, "web")
		return c != nil && c.Status == metav1.ConditionTrue && c.Reason == schedule.ReasonScheduled &&
			s.Status.NextScheduleTime != nil && e.LastSuccessfulSnapshotName != "" && !slices.Contains(taken, e.LastSuccessfulSnapshotName)
	})
	snap := f.GetSnapshot(scheduleEntry(s, "web").LastSuccessfulSnapshotName)
	if snap.CreationTimestamp.Time.Before(resumed.Add(-time.Second)) {
		t.Errorf("snapshot %s was created at %s, before the schedule was resumed at %s", snap.Name, snap.CreationTimestamp.UTC().Format(time.RFC3339), resumed.UTC().Format(time.RFC3339))
	}
	if !s.Status.NextScheduleTime.After(resumed) {
		t.Errorf("the next run is not after the resumption: %s", framework.DescribeSchedule(s))
	}
}

// suspendedStatus: the schedule's status says it is suspended, for the
// spec it has, with no next run.
func suspendedStatus(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
	c := meta.FindStatusCondition(s.Status.Conditions, snapshotapi.ConditionReady)
	return c != nil && c.Status == metav1.ConditionFalse && c.Reason == schedule.ReasonSuspended &&
		s.Status.ObservedGeneration == s.Generation && s.Status.NextScheduleTime == nil
}

// A VM whose scheduled snapshots fail maxConsecutiveFailures times in a row
// is left out of the runs, with a condition and an event, while the other
// VMs go on being snapshotted. Fixing the storage alone does not bring it
// back; suspending and resuming the schedule does.
func TestVMSuspendedAfterConsecutiveFailuresUntilTheScheduleIsResumed(t *testing.T) {
	const every = 5 * time.Second
	f := framework.New(t)
	selected := map[string]string{"backup": "frequent"}
	// The disks of flakyClass are snapshotted with failingSnapshots, whose
	// snapshots the storage refuses.
	failingSnapshots := f.CreateVolumeSnapshotClass(map[string]string{"failSnapshot": "true"})
	flakyClass := f.CreateStorageClass(nil)
	f.CreateVM("flaky", framework.WithPVCDisk("disk0", flakyClass), framework.WithLabels(selected))
	f.CreateVM("healthy", framework.WithPVCDisks(1), framework.WithLabels(selected))
	f.CreateSchedule("guarded", "@every 5s", selected, func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) {
		s.MaxConsecutiveFailures = ptr.To[int32](2)
		s.Template.FailureDeadline = &metav1.Duration{Duration: 3 * time.Second}
		s.Template.VolumeSnapshotClasses = []snapshotapi.VolumeSnapshotClassMapping{{StorageClassName: flakyClass, VolumeSnapshotClassName: failingSnapshots}}
	})

	s := f.WaitForSchedule("guarded", "VM flaky suspended after failures", 60*time.Second, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		return scheduleEntry(s, "flaky").Suspended
	})
	if e := scheduleEntry(s, "flaky"); e.ConsecutiveFailures < 2 {
		t.Errorf("VM flaky suspended after %d failures, want 2: %s", e.ConsecutiveFailures, framework.DescribeSchedule(s))
	}
	if e := scheduleEntry(s, "healthy"); e.Suspended || e.ConsecutiveFailures != 0 {
		t.Errorf("VM healthy must not be failing: %s", framework.DescribeSchedule(s))
	}
	if s.Status.FailingVMs != 1 {
		t.Errorf("failingVMs %d, want 1: %s", s.Status.FailingVMs, framework.DescribeSchedule(s))
	}
	c := meta.FindStatusCondition(s.Status.Conditions, schedule.ConditionVMsSuspended)
	if c == nil || c.Status != metav1.ConditionTrue || c.Reason != schedule.ReasonConsecutiveFailures || !strings.Contains(c.Message, "flaky") || strings.Contains(c.Message, "healthy") {
		t.Errorf("want condition %s=True (%s) naming VM flaky only; got %s", schedule.ConditionVMsSuspended, schedule.ReasonConsecutiveFailures, framework.DescribeConditions(s.Status.Conditions))
	}
	if c := meta.FindStatusCondition(s.Status.Conditions, snapshotapi.ConditionReady); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("the schedule itself still runs: want Ready=True; got %s", framework.DescribeConditions(s.Status.Conditions))
	}
	waitForScheduleEventNaming(f, "guarded", corev1.EventTypeWarning, schedule.EventVMSuspended, "flaky")
	for _, snap := range f.ScheduledSnapshots("guarded") {
		if snap.Spec.Source.Name == "flaky" && snap.Status.Phase != snapshotapi.SnapshotFailed {
			t.Errorf("snapshot %s of VM flaky: want Failed; got %s", snap.Name, framework.DescribeSnapshot(&snap))
		}
	}

	// Runs go on for VM healthy only.
	flakySnapshots := snapshotNames(scheduledSnapshotsOfVM(t, f, "guarded", "flaky"))
	healthyBefore := scheduleEntry(f.GetSchedule("guarded"), "healthy").LastSuccessfulSnapshotName
	requireNoNewSnapshots(f, "guarded", "flaky", flakySnapshots, 2*every+2*time.Second)
	s = waitForReadyRun(f, "guarded", map[string]string{"healthy": healthyBefore}, 2)
	if e := scheduleEntry(s, "flaky"); !e.Suspended || e.LastRunResult != snapshotapi.ScheduleRunSuspended {
		t.Errorf("VM flaky: want still suspended, its last run %s; got %s", snapshotapi.ScheduleRunSuspended, framework.DescribeSchedule(s))
	}
	waitForScheduleEventNaming(f, "guarded", corev1.EventTypeWarning, schedule.EventRunFinished, "1 VMs suspended")

	// The storage is fixed: snapshots with the class succeed again. The VM
	// stays left out until the schedule is suspended and resumed.
	fixSnapshotClass(t, f, failingSnapshots)
	requireNoNewSnapshots(f, "guarded", "flaky", flakySnapshots, every+time.Second)
	if e := scheduleEntry(f.GetSchedule("guarded"), "flaky"); !e.Suspended {
		t.Errorf("VM flaky was resumed without the schedule being suspended and resumed: %+v", e)
	}

	f.UpdateSchedule("guarded", func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) { s.Suspend = ptr.To(true) })
	f.WaitForSchedule("guarded", "suspended", 30*time.Second, suspendedStatus)
	f.UpdateSchedule("guarded", func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) { s.Suspend = ptr.To(false) })
	s = f.WaitForSchedule("guarded", "a Ready snapshot of VM flaky, and no VM suspended", 2*every+45*time.Second, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		e := scheduleEntry(s, "flaky")
		c := meta.FindStatusCondition(s.Status.Conditions, schedule.ConditionVMsSuspended)
		return e.LastSuccessfulSnapshotName != "" && !e.Suspended && e.ConsecutiveFailures == 0 &&
			c != nil && c.Status == metav1.ConditionFalse && s.Status.FailingVMs == 0
	})
	if snap := f.GetSnapshot(scheduleEntry(s, "flaky").LastSuccessfulSnapshotName); slices.Contains(flakySnapshots, snap.Name) {
		t.Errorf("VM flaky's Ready snapshot %s is one of those taken before it was suspended", snap.Name)
	}
}

// scheduledSnapshotsOfVM is scheduledSnapshotsOf that fails the test on an
// error.
func scheduledSnapshotsOfVM(t *testing.T, f *framework.Framework, scheduleName, vm string) []snapshotapi.VirtualMachineSnapshot {
	t.Helper()
	list, err := scheduledSnapshotsOf(f.Context(), f, scheduleName, vm)
	if err != nil {
		t.Fatalf("listing the snapshots of VM %s by schedule %s: %v", vm, scheduleName, err)
	}
	return list
}

// requireNoNewSnapshots fails the test if, during d, the schedule has any
// snapshot of the VM other than those named.
func requireNoNewSnapshots(f *framework.Framework, scheduleName, vm string, names []string, d time.Duration) {
	f.Consistently("snapshots of VM "+vm+" by vmsnapschedule "+scheduleName, "no snapshot but "+strings.Join(names, ", "), d, func(ctx context.Context) (bool, string, error) {
		list, err := scheduledSnapshotsOf(ctx, f, scheduleName, vm)
		if err != nil {
			return false, "", err
		}
		for _, s := range list {
			if !slices.Contains(names, s.Name) {
				return false, describeScheduled(list), nil
			}
		}
		return true, "", nil
	})
}

// fixSnapshotClass turns off the failures a test VolumeSnapshotClass asks
// of the test driver, as an administrator fixes the storage.
func fixSnapshotClass(t *testing.T, f *framework.Framework, name string) {
	t.Helper()
	classes := f.Snapshots.SnapshotV1().VolumeSnapshotClasses()
	class, err := classes.Get(f.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading VolumeSnapshotClass %s: %v", name, err)
	}
	class.Parameters["failSnapshot"] = "false"
	if _, err := classes.Update(f.Context(), class, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("turning off the failures of VolumeSnapshotClass %s: %v", name, err)
	}
}

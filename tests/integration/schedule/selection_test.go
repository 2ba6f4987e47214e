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
	"testing"
	"time"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/schedule"
	"vmsnap.io/vmsnap/tests/framework"
)

// TestScheduleSnapshotsTheSelectedVMsOnly: a schedule takes a snapshot of
// each VM its selector chooses at each run, named after the run, and none
// of a VM it does not choose.
func TestScheduleSnapshotsTheSelectedVMsOnly(t *testing.T) {
	f := framework.New(t)
	selected := map[string]string{"backup": "hourly"}
	f.CreateVM("web", framework.WithPVCDisks(1), framework.WithLabels(selected))
	f.CreateVM("db", framework.WithPVCDisks(1), framework.WithLabels(selected))
	f.CreateVM("scratch", framework.WithPVCDisks(1), framework.WithLabels(map[string]string{"backup": "never"}))

	f.CreateSchedule("every10s", "@every 10s", selected)
	s := f.WaitForSchedule("every10s", "each selected VM has a Ready snapshot", 90*time.Second, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		if s.Status.SelectedVMs != 2 || len(s.Status.VirtualMachines) != 2 {
			return false
		}
		for _, e := range s.Status.VirtualMachines {
			if e.LastSuccessfulSnapshotName == "" {
				return false
			}
		}
		return true
	})
	for _, e := range s.Status.VirtualMachines {
		if e.Name != "db" && e.Name != "web" {
			t.Errorf("status lists VM %s, which the selector does not choose", e.Name)
		}
		snap := f.GetSnapshot(e.LastSuccessfulSnapshotName)
		run, ok := schedule.RunTime(snap)
		if !ok {
			t.Fatalf("snapshot %s has no readable run time: %v", snap.Name, snap.Annotations)
		}
		if want := schedule.SnapshotName("every10s", e.Name, run); snap.Name != want {
			t.Errorf("snapshot of %s is named %s, want %s", e.Name, snap.Name, want)
		}
		if snap.Spec.Source.Name != e.Name || snap.Labels[snapshotapi.LabelScheduledVM] != e.Name {
			t.Errorf("snapshot %s is of %s (label %q), want %s", snap.Name, snap.Spec.Source.Name, snap.Labels[snapshotapi.LabelScheduledVM], e.Name)
		}
		if len(snap.OwnerReferences) != 0 {
			t.Errorf("snapshot %s has owner references %v: deleting the schedule must not delete it", snap.Name, snap.OwnerReferences)
		}
	}
	for _, snap := range f.ScheduledSnapshots("every10s") {
		if snap.Spec.Source.Name == "scratch" {
			t.Errorf("snapshot %s is of VM scratch, which the selector does not choose", snap.Name)
		}
	}
	if s.Status.NextScheduleTime == nil || s.Status.LastScheduleTime == nil || !s.Status.NextScheduleTime.After(s.Status.LastScheduleTime.Time) {
		t.Errorf("last and next schedule times: %s", framework.DescribeSchedule(s))
	}
}

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

package framework

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

// ScheduleOption sets a field of a VirtualMachineSnapshotSchedule's spec.
type ScheduleOption func(*snapshotapi.VirtualMachineSnapshotScheduleSpec)

// NewSchedule returns, without creating it, a schedule in the test's
// namespace that snapshots the VMs labelled selector on cron.
func (f *Framework) NewSchedule(name, cron string, selector map[string]string, opts ...ScheduleOption) *snapshotapi.VirtualMachineSnapshotSchedule {
	s := &snapshotapi.VirtualMachineSnapshotSchedule{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.Namespace},
		Spec: snapshotapi.VirtualMachineSnapshotScheduleSpec{
			Schedule: cron,
			Selector: metav1.LabelSelector{MatchLabels: selector},
		},
	}
	for _, opt := range opts {
		opt(&s.Spec)
	}
	return s
}

// CreateSchedule creates a schedule.
func (f *Framework) CreateSchedule(name, cron string, selector map[string]string, opts ...ScheduleOption) *snapshotapi.VirtualMachineSnapshotSchedule {
	f.t.Helper()
	created, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotSchedules(f.Namespace).Create(f.ctx, f.NewSchedule(name, cron, selector, opts...), metav1.CreateOptions{})
	if err != nil {
		f.t.Fatalf("creating VirtualMachineSnapshotSchedule %s: %v", name, err)
	}
	return created
}

// GetSchedule reads a schedule of the test's namespace.
func (f *Framework) GetSchedule(name string) *snapshotapi.VirtualMachineSnapshotSchedule {
	f.t.Helper()
	s, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotSchedules(f.Namespace).Get(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatalf("reading VirtualMachineSnapshotSchedule %s: %v", name, err)
	}
	return s
}

// UpdateSchedule changes a schedule's spec, retrying on conflicts.
func (f *Framework) UpdateSchedule(name string, change func(*snapshotapi.VirtualMachineSnapshotScheduleSpec)) *snapshotapi.VirtualMachineSnapshotSchedule {
	f.t.Helper()
	var updated *snapshotapi.VirtualMachineSnapshotSchedule
	f.Eventually("vmsnapschedule "+name, "updated", 30*time.Second, func(ctx context.Context) (bool, string, error) {
		client := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotSchedules(f.Namespace)
		s, err := client.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		change(&s.Spec)
		updated, err = client.Update(ctx, s, metav1.UpdateOptions{})
		if err != nil {
			return false, err.Error(), nil
		}
		return true, "", nil
	})
	return updated
}

// DeleteSchedule deletes a schedule.
func (f *Framework) DeleteSchedule(name string) {
	f.t.Helper()
	if err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotSchedules(f.Namespace).Delete(f.ctx, name, metav1.DeleteOptions{}); err != nil {
		f.t.Fatalf("deleting VirtualMachineSnapshotSchedule %s: %v", name, err)
	}
}

// WaitForSchedule waits until ok holds for the schedule; want says what ok
// checks, for the failure message.
func (f *Framework) WaitForSchedule(name, want string, timeout time.Duration, ok func(*snapshotapi.VirtualMachineSnapshotSchedule) bool) *snapshotapi.VirtualMachineSnapshotSchedule {
	f.t.Helper()
	return waitForObject(f, "vmsnapschedule "+f.Namespace+"/"+name, want, timeout,
		func(ctx context.Context) (*snapshotapi.VirtualMachineSnapshotSchedule, error) {
			return f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotSchedules(f.Namespace).Get(ctx, name, metav1.GetOptions{})
		}, DescribeSchedule, ok)
}

// ScheduledSnapshots lists the snapshots labelled with a schedule's name,
// oldest run first.
func (f *Framework) ScheduledSnapshots(schedule string) []snapshotapi.VirtualMachineSnapshot {
	f.t.Helper()
	list, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(f.Namespace).List(f.ctx, metav1.ListOptions{
		LabelSelector: labels.Set{snapshotapi.LabelSchedule: schedule}.String(),
	})
	if err != nil {
		f.t.Fatalf("listing the snapshots of schedule %s: %v", schedule, err)
	}
	items := list.Items
	slices.SortFunc(items, func(a, b snapshotapi.VirtualMachineSnapshot) int {
		return strings.Compare(a.Annotations[snapshotapi.AnnotationScheduleTime]+a.Name, b.Annotations[snapshotapi.AnnotationScheduleTime]+b.Name)
	})
	return items
}

// DescribeSchedule tells a schedule's state in a few lines.
func DescribeSchedule(s *snapshotapi.VirtualMachineSnapshotSchedule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "schedule %q suspend=%v last=%v next=%v selected=%d failing=%d conditions=[%s]",
		s.Spec.Schedule, boolOrUnset(s.Spec.Suspend), timeOrUnset(s.Status.LastScheduleTime), timeOrUnset(s.Status.NextScheduleTime),
		s.Status.SelectedVMs, s.Status.FailingVMs, DescribeConditions(s.Status.Conditions))
	for _, e := range s.Status.VirtualMachines {
		fmt.Fprintf(&b, "\n  vm %s: lastRun=%v %s snapshot=%s lastSuccessful=%s failures=%d suspended=%v",
			e.Name, timeOrUnset(e.LastRunTime), e.LastRunResult, e.LastSnapshotName, e.LastSuccessfulSnapshotName, e.ConsecutiveFailures, e.Suspended)
	}
	return b.String()
}

func timeOrUnset(t *metav1.Time) string {
	if t == nil {
		return "<unset>"
	}
	return t.UTC().Format(time.RFC3339)
}

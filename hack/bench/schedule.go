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

package main

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/schedule"
)

const (
	scheduleNamespace = "bench-schedule"
	scheduleName      = "bench"
	// defaultSpreadPerVM is pkg/schedule's default spread (3s per 100
	// VMs): the benchmark leaves spec.spread unset, and sizes its schedule's
	// interval with it.
	defaultSpreadPerVM = 30 * time.Millisecond
	// minScheduleEvery is the shortest interval the benchmark gives its
	// schedule, and the controller's --min-schedule-interval when the
	// schedule comparison runs.
	minScheduleEvery = 10 * time.Second
	// baselineLead is how long before the run the API server is sampled
	// at rest.
	baselineLead = 10 * time.Second
	// nextRunMargin: a run not over this long before the next one is due
	// has its schedule suspended, so that no second run mixes in.
	nextRunMargin    = 3 * time.Second
	quietQueuesLimit = 90 * time.Second
)

// ScheduleRun describes the schedule comparison: one run of a schedule over
// VMs stopped VMs of one disk (workload schedule-run) against snapshots of
// the same VMs created all at once (schedule-batch).
type ScheduleRun struct {
	VMs int `json:"vms"`
	// Schedule is the spec.schedule given, "@every" an interval longer
	// than the run is expected to take, so that exactly one run falls in
	// the measurement.
	Schedule      string    `json:"schedule"`
	SpreadSeconds float64   `json:"spreadSeconds"`
	RunTime       time.Time `json:"runTime"`
	// FirstCreatedSeconds and LastCreatedSeconds are when the benchmark's
	// watch first saw the first and the last of the run's snapshots,
	// after the run's time: the spread as it happened.
	FirstCreatedSeconds float64 `json:"firstCreatedSeconds"`
	LastCreatedSeconds  float64 `json:"lastCreatedSeconds"`
	// Baseline is the API server at rest, over the seconds before the run.
	Baseline *APIServerLoad `json:"baseline,omitempty"`
	Notes    []string       `json:"notes,omitempty"`
}

// scheduleComparison makes ScheduleVMs stopped VMs of one disk, snapshots
// them all at once, deletes those snapshots (untimed), then lets a schedule
// over the same VMs run once; the API server's load is sampled during both.
func (b *bench) scheduleComparison(ctx context.Context, r *Report) error {
	n := b.cfg.ScheduleVMs
	b.logf("schedule comparison: creating %d stopped VMs with 1 disk each", n)
	vms, err := b.createVMs(ctx, scheduleNamespace, "vm", n, 1, false)
	if err != nil {
		return err
	}

	b.logf("snapshotting the %d VMs at once (the schedule's comparison)", n)
	batch, err := b.snapshotVMs(ctx, "schedule-batch", scheduleNamespace, vms, 1, true, "")
	r.Workloads = append(r.Workloads, batch)
	if err == nil {
		err = errIfIncomplete(batch)
	}
	if err != nil {
		return err
	}
	b.logf("deleting those %d snapshots again (untimed)", n)
	if err := b.deleteAndWait(ctx, scheduleNamespace, vms); err != nil {
		return err
	}
	if err := b.waitForQuietQueues(ctx, quietQueuesLimit, "before the schedule"); err != nil {
		return err
	}

	// The run takes about the longer of the spread and the batch; the
	// interval leaves room for both, so that the next run is far off.
	spread := time.Duration(n) * defaultSpreadPerVM
	batchWall := time.Duration(batch.WallSeconds * float64(time.Second))
	every := roundUpToSecond(max(minScheduleEvery, spread+batchWall*3/2+20*time.Second))
	s := &ScheduleRun{VMs: n, Schedule: "@every " + every.String(), SpreadSeconds: spread.Seconds()}
	r.Schedule = s
	w, err := b.scheduledRun(ctx, s, vms, every)
	r.Workloads = append(r.Workloads, w)
	if err == nil {
		err = errIfIncomplete(w)
	}
	return err
}

// deleteAndWait deletes snap-<vm> of every VM and waits, bounded, until
// they and their VolumeSnapshots are gone.
func (b *bench) deleteAndWait(ctx context.Context, namespace string, vms []string) error {
	var volumes []string
	for _, vm := range vms {
		volumes = append(volumes, b.env.tracker.volumesOf(key(namespace, "snap-"+vm))...)
	}
	err := forEach(ctx, len(vms), b.cfg.Workers, func(ctx context.Context, i int) error {
		err := b.env.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshots(namespace).Delete(ctx, "snap-"+vms[i], metav1.DeleteOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	goneAt := func(i int) (time.Time, bool) { return b.env.tracker.vmSnapshotGoneAt(key(namespace, "snap-"+vms[i])) }
	volumeGoneAt := func(i int) (time.Time, bool) { return b.env.tracker.volumeGoneAt(volumes[i]) }
	if !waitUntil(ctx, workloadTimeout(len(vms), 1), func() bool {
		return countTrue(len(vms), goneAt) == len(vms) && countTrue(len(volumes), volumeGoneAt) == len(volumes)
	}) {
		b.notef("schedule comparison: %d of %d batch snapshots and %d of %d VolumeSnapshots were gone when the schedule was created",
			countTrue(len(vms), goneAt), len(vms), countTrue(len(volumes), volumeGoneAt), len(volumes))
	}
	return ctx.Err()
}

// scheduledRun creates the schedule, waits for its first run, and times it
// from the run's time until every VM's snapshot of that run is done.
func (b *bench) scheduledRun(ctx context.Context, s *ScheduleRun, vms []string, every time.Duration) (Workload, error) {
	n := len(vms)
	w := Workload{Name: "schedule-run", Objects: n, DisksPerObject: 1}
	client := b.env.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshotSchedules(scheduleNamespace)
	window, err := b.beginCost(ctx, scheduleNamespace)
	if err != nil {
		return w, err
	}
	created, err := client.Create(ctx, newSchedule(scheduleNamespace, scheduleName, s.Schedule), metav1.CreateOptions{})
	if err != nil {
		return w, fmt.Errorf("creating the schedule: %w", err)
	}
	defer func() {
		// Retain: its snapshots stay, and nothing runs again.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := client.Delete(ctx, scheduleName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			b.notef("deleting the schedule: %v", err)
		}
	}()
	// "@every": the first run is the creation time (whole seconds) plus
	// the interval.
	run := created.CreationTimestamp.Time.Add(every)
	next := run.Add(every)
	s.RunTime = run.UTC()
	b.logf("schedule %q over %d VMs created; its run is at %s, in %.0fs (default spread %.1fs)",
		s.Schedule, n, run.Format("15:04:05"), time.Until(run).Seconds(), s.SpreadSeconds)
	if err := sleep(ctx, time.Until(run.Add(-baselineLead))); err != nil {
		return w, err
	}
	load := b.startLoadSampler(ctx)
	defer load.stop()

	names := make([]string, n)
	for i, vm := range vms {
		names[i] = key(scheduleNamespace, schedule.SnapshotName(scheduleName, vm, run))
	}
	outcomeOf := func(i int) (outcome, bool) { return b.env.tracker.vmSnapshotOutcome(names[i]) }
	allDone := func() bool {
		return countTrue(n, func(i int) (time.Time, bool) { o, ok := outcomeOf(i); return o.At, ok }) == n
	}
	deadline := run.Add(workloadTimeout(n, 1))
	firstWait := next.Add(-nextRunMargin)
	if deadline.Before(firstWait) {
		firstWait = deadline
	}
	done := waitUntil(ctx, time.Until(firstWait), allDone)
	if !done && ctx.Err() == nil && time.Now().Before(deadline) {
		s.Notes = append(s.Notes, fmt.Sprintf("the run was not over %s before the next one: the schedule was suspended then, so that no second run mixed in", nextRunMargin))
		if _, err := client.Patch(ctx, scheduleName, types.MergePatchType, []byte(`{"spec":{"suspend":true}}`), metav1.PatchOptions{}); err != nil {
			return w, fmt.Errorf("suspending the schedule: %w", err)
		}
		done = waitUntil(ctx, time.Until(deadline), allDone)
	}
	w.TimedOut = !done
	samples := load.stop()
	s.Baseline = samples.between(time.Time{}, run).summary()
	w.APIServer = samples.between(run, time.Time{}).summary()

	var latencies, lags []time.Duration
	var last, firstSeen, lastSeen time.Time
	for i := range vms {
		if seen, ok := b.env.tracker.vmSnapshotSeenAt(names[i]); ok {
			if firstSeen.IsZero() || seen.Before(firstSeen) {
				firstSeen = seen
			}
			lastSeen = latest(lastSeen, seen)
		}
		o, ok := outcomeOf(i)
		switch {
		case !ok:
			continue
		case o.Failed:
			w.Failed++
			continue
		}
		w.Done++
		last = latest(last, o.At)
		if seen, ok := b.env.tracker.vmSnapshotSeenAt(names[i]); ok {
			latencies = append(latencies, o.At.Sub(seen))
		}
		if lag, ok := b.readinessLag(names[i], 1, o.At); ok {
			lags = append(lags, lag)
		}
	}
	// Times from the run's wall-clock time: the run time has no monotonic
	// reading, so these differences are of wall clocks, on one machine.
	if !last.IsZero() {
		w.WallSeconds = last.Sub(run).Seconds()
	}
	if !firstSeen.IsZero() {
		s.FirstCreatedSeconds, s.LastCreatedSeconds = firstSeen.Sub(run).Seconds(), lastSeen.Sub(run).Seconds()
	}
	w.Latency = summarize(latencies)
	lag := summarize(lags)
	w.ReadinessLag = &lag
	w.Notes = append(w.Notes,
		"wall: the run's time → the last snapshot Ready; latency: each snapshot first seen by the benchmark's watch (the schedule created it) → Ready",
		fmt.Sprintf("the controller's cost covers the %s before the run too (creating the schedule, then idle); its POSTs include the %d snapshots, which the batch's benchmark created itself", every, n))
	s.Notes = append(s.Notes, b.checkSingleRun(ctx, run)...)

	w.Controller, err = b.endCost(ctx, window, scheduleNamespace, n)
	return w, err
}

// checkSingleRun says whether the schedule saw anything but the one run.
func (b *bench) checkSingleRun(ctx context.Context, run time.Time) []string {
	var notes []string
	sched, err := b.env.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshotSchedules(scheduleNamespace).Get(ctx, scheduleName, metav1.GetOptions{})
	switch {
	case err != nil:
		notes = append(notes, fmt.Sprintf("reading the schedule: %v", err))
	case sched.Status.LastScheduleTime == nil || !sched.Status.LastScheduleTime.Time.Equal(run):
		notes = append(notes, fmt.Sprintf("the schedule's lastScheduleTime is %v, not the run expected at %s", sched.Status.LastScheduleTime, run.UTC().Format(time.RFC3339)))
	}
	list, err := b.env.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshots(scheduleNamespace).List(ctx, metav1.ListOptions{
		LabelSelector: labels.Set{snapshotapi.LabelSchedule: scheduleName}.String(),
	})
	if err != nil {
		return append(notes, fmt.Sprintf("listing the scheduled snapshots: %v", err))
	}
	others := 0
	for i := range list.Items {
		if t, ok := schedule.RunTime(&list.Items[i]); !ok || !t.Equal(run) {
			others++
		}
	}
	if others > 0 {
		notes = append(notes, fmt.Sprintf("%d scheduled snapshots belong to another run than the measured one", others))
	}
	return notes
}

func roundUpToSecond(d time.Duration) time.Duration {
	return (d + time.Second - 1).Truncate(time.Second)
}

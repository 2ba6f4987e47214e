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
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/schedule"
	"vmsnap.io/vmsnap/tests/framework"
)

const scheduleKind = "VirtualMachineSnapshotSchedule"

// TestScheduleTakesOnlyTheLatestRunAfterAnOutage: runs that passed while
// the controller was down are passed over, with a RunMissed warning that
// counts them; only the latest one is taken, one snapshot per VM, never a
// burst of the runs it missed.
func TestScheduleTakesOnlyTheLatestRunAfterAnOutage(t *testing.T) {
	f := framework.New(t)
	const name, every = "often", 5 * time.Second
	selected := map[string]string{"backup": "often"}
	vms := []string{"db", "web"}
	for _, vm := range vms {
		f.CreateVM(vm, framework.WithPVCDisks(1), framework.WithLabels(selected))
	}
	f.CreateSchedule(name, "@every 5s", selected)

	// Down between two runs, once every snapshot taken so far is Ready: a
	// snapshot still in progress at the restart would make the first run
	// after it skip its VM, which is another story.
	taken := stopBetweenRuns(t, f, name, len(vms), every)
	last := latestRun(taken)
	stopped := time.Now()
	t.Logf("controller stopped %s after the run of %s, with %d snapshots", stopped.Sub(last).Round(time.Millisecond), stamp(last), len(taken))

	// Three runs pass while it is down.
	sleepUntil(t, f, last.Add(3*every+2*time.Second))
	restarted := time.Now()
	startController(t, f)

	// The first run after the restart is the latest one due at the restart.
	var after time.Time
	f.Eventually("snapshots of schedule "+name, "the snapshots of the first run after the restart, for every VM", time.Minute, func(context.Context) (bool, string, error) {
		fresh := newer(f.ScheduledSnapshots(name), taken)
		if len(fresh) == 0 {
			return false, "no snapshot since the restart", nil
		}
		after = latestRun(fresh[:1])
		return len(snapshotsOfRun(fresh, after)) >= len(vms), describeSnapshots(fresh), nil
	})
	passedOver := int(after.Sub(last)/every) - 1
	if after.After(time.Now()) || after.Before(restarted.Add(-every)) || passedOver < 2 {
		t.Errorf("the first run after the restart (at %s) is of %s, %d runs after the last before the outage (%s); want the latest run due at the restart, at least 3 runs later",
			stamp(restarted), stamp(after), passedOver+1, stamp(last))
	}
	// Whatever ran since, no snapshot is of a run the outage passed over,
	// and the run after it took one snapshot per VM.
	all := f.ScheduledSnapshots(name)
	for _, s := range newer(all, taken) {
		if run := runOf(t, &s); run.Before(after) {
			t.Errorf("snapshot %s is of the run of %s, which the outage passed over", s.Name, stamp(run))
		}
	}
	checkOneSnapshotPerVM(t, name, vms, after, all)

	event := f.WaitForEvent(scheduleKind, name, corev1.EventTypeWarning, schedule.EventRunMissed)
	want := fmt.Sprintf("Passed over %d runs before the run of %s", passedOver, stamp(after))
	if !strings.Contains(event.Message, want) {
		t.Errorf("RunMissed event says %q; want it to say %q", event.Message, want)
	}
}

// TestScheduleRunPastItsStartingDeadlineIsMissed: a run the controller comes
// back to later than startingDeadlineSeconds after its time is not taken:
// each VM's entry says Missed and no snapshot is made for it; the next run
// is taken as usual.
func TestScheduleRunPastItsStartingDeadlineIsMissed(t *testing.T) {
	f := framework.New(t)
	const name, every = "deadline", 15 * time.Second
	selected := map[string]string{"backup": "deadline"}
	vms := []string{"db", "web"}
	for _, vm := range vms {
		f.CreateVM(vm, framework.WithPVCDisks(1), framework.WithLabels(selected))
	}
	created := f.CreateSchedule(name, "@every 15s", selected, func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) {
		s.StartingDeadlineSeconds = ptr.To[int64](2)
	})
	f.WaitForSchedule(name, "every VM listed", 30*time.Second, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		return len(s.Status.VirtualMachines) == len(vms)
	})
	first := created.CreationTimestamp.Add(every)
	second := first.Add(every)
	if time.Until(first) < 2*time.Second {
		t.Fatalf("the schedule's first run (%s) came before the controller could be stopped for it", stamp(first))
	}
	f.Controller.Stop()
	// Back 3s after the run's time: past its 2s deadline, 12s before the
	// next run.
	sleepUntil(t, f, first.Add(3*time.Second))
	startController(t, f)

	s := f.WaitForSchedule(name, "every VM's entry of the first run", 30*time.Second, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		return s.Status.LastScheduleTime != nil && !s.Status.LastScheduleTime.Time.Before(first) && allRan(s, first)
	})
	if !s.Status.LastScheduleTime.Time.Equal(first) {
		t.Fatalf("the controller came back after the next run, not between the two: %s", framework.DescribeSchedule(s))
	}
	for _, e := range s.Status.VirtualMachines {
		if e.LastRunResult != snapshotapi.ScheduleRunMissed {
			t.Errorf("VM %s: the run of %s, 3s late with a 2s deadline, is %q, want %q", e.Name, stamp(first), e.LastRunResult, snapshotapi.ScheduleRunMissed)
		}
		snap := schedule.SnapshotName(name, e.Name, first)
		if _, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(f.Namespace).Get(f.Context(), snap, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("VM %s: snapshot %s of the missed run: want not found, got %v", e.Name, snap, err)
		}
	}
	if got := f.ScheduledSnapshots(name); len(got) != 0 {
		t.Errorf("the missed run made snapshots: %s", describeSnapshots(got))
	}
	// "@every 15s" counts from the schedule's runs, not from when the
	// controller came back: the next run is 15s after the missed one.
	if next := s.Status.NextScheduleTime; next == nil || !next.Time.Equal(second) {
		t.Errorf("after the missed run of %s, nextScheduleTime is %s; want %s, the run after it: %s", stamp(first), timeOrUnset(next), stamp(second), framework.DescribeSchedule(s))
	}
	event := f.WaitForEvent(scheduleKind, name, corev1.EventTypeWarning, schedule.EventRunFinished)
	if want := fmt.Sprintf("%d missed", len(vms)); !strings.Contains(event.Message, want) {
		t.Errorf("RunFinished event says %q; want it to count %s", event.Message, want)
	}

	// The next run is taken for every VM, and its snapshots become Ready.
	s = f.WaitForSchedule(name, "the next run taken for every VM, its snapshots Ready", time.Until(second)+30*time.Second, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		if s.Status.LastScheduleTime == nil || s.Status.LastScheduleTime.Time.Before(second) || !allRan(s, second) {
			return false
		}
		for _, e := range s.Status.VirtualMachines {
			if e.LastSuccessfulSnapshotName != schedule.SnapshotName(name, e.Name, second) {
				return false
			}
		}
		return true
	})
	for _, e := range s.Status.VirtualMachines {
		if e.LastRunResult != snapshotapi.ScheduleRunTaken {
			t.Errorf("VM %s: the run after the missed one is %q, want %q: %s", e.Name, e.LastRunResult, snapshotapi.ScheduleRunTaken, framework.DescribeSchedule(s))
		}
	}
	checkOneSnapshotPerVM(t, name, vms, second, f.ScheduledSnapshots(name))
}

// TestScheduleRestartMidSpreadTakesEachVMOnce: a controller stopped after
// the first snapshot of a spread run, and started again, takes the others
// at their turn and never a second one of any VM.
func TestScheduleRestartMidSpreadTakesEachVMOnce(t *testing.T) {
	f := framework.New(t)
	const name, every = "spread", 15 * time.Second
	// 9s over three VMs: vm-a at the run's time, vm-b 3s later, vm-c 6s.
	vms, run := threeVMsOnASpreadSchedule(f, name, every, 9*time.Second)
	snapshots := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(f.Namespace)

	firstName := schedule.SnapshotName(name, "vm-a", run)
	var first *snapshotapi.VirtualMachineSnapshot
	f.Eventually("vmsnapshot "+firstName, "created at the run's time", every+30*time.Second, func(ctx context.Context) (bool, string, error) {
		s, err := snapshots.Get(ctx, firstName, metav1.GetOptions{})
		first = s
		return err == nil, "", err
	})
	f.Controller.Stop()
	stoppedAfter := time.Since(run)
	for _, vm := range vms[1:] {
		if s, err := snapshots.Get(f.Context(), schedule.SnapshotName(name, vm, run), metav1.GetOptions{}); err == nil {
			t.Fatalf("the controller stopped %s after the run's time, too late to stop it mid-run: snapshot %s exists already", stoppedAfter.Round(time.Millisecond), s.Name)
		}
	}
	t.Logf("controller stopped %s after the run's time, after the snapshot of vm-a only", stoppedAfter.Round(time.Millisecond))
	time.Sleep(time.Second)
	startController(t, f)

	s := f.WaitForSchedule(name, "the run taken for every VM", every+30*time.Second, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		return s.Status.LastScheduleTime != nil && !s.Status.LastScheduleTime.Time.Before(run) && allRan(s, run)
	})
	for _, e := range s.Status.VirtualMachines {
		if want := schedule.SnapshotName(name, e.Name, run); !e.LastRunTime.Time.Equal(run) || e.LastRunResult != snapshotapi.ScheduleRunTaken || e.LastSnapshotName != want {
			t.Errorf("VM %s: want the run of %s Taken as %s: %s", e.Name, stamp(run), want, framework.DescribeSchedule(s))
		}
	}
	all := f.ScheduledSnapshots(name)
	checkOneSnapshotPerVM(t, name, vms, run, all)
	for _, snap := range snapshotsOfRun(all, run) {
		if snap.Name == firstName && snap.UID != first.UID {
			t.Errorf("snapshot %s was made again after the restart (uid %s, was %s)", snap.Name, snap.UID, first.UID)
		}
		// Each VM at its turn, the restart notwithstanding.
		turn := run.Add(time.Duration(slices.Index(vms, snap.Spec.Source.Name)) * 3 * time.Second)
		if snap.CreationTimestamp.Time.Before(turn) {
			t.Errorf("snapshot %s was created at %s, before its VM's turn in the spread at %s", snap.Name, stamp(snap.CreationTimestamp.Time), stamp(turn))
		}
	}
}

// TestScheduleKilledAfterItsFirstCreateTakesEachVMOnce: a controller that
// dies as the first snapshot create of a run reaches the API server, before
// it could write the schedule's status, finds the snapshots that landed when
// it comes back as its own and creates the others: one snapshot per VM for
// the run.
func TestScheduleKilledAfterItsFirstCreateTakesEachVMOnce(t *testing.T) {
	f := framework.New(t)
	const name, every = "killed", 15 * time.Second
	// A 3s spread: vm-a's create goes out alone, a second before the
	// others', so the kill leaves those to the restarted controller.
	vms, run := threeVMsOnASpreadSchedule(f, name, every, 3*time.Second)
	f.WaitForSchedule(name, "every VM listed, nothing run yet", 30*time.Second, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		return len(s.Status.VirtualMachines) == len(vms) && s.Status.LastScheduleTime == nil
	})

	// Killed as the run's first create reaches the API server. (The
	// framework's KillSwitch counts every write of the namespace, and how
	// many status writes come before the run's first create is not for
	// this test to fix.)
	kill := newKillAtFirstCreate(f)
	f.RunControllerVariant(framework.Variant{Wrap: kill.wrap})
	select {
	case <-kill.stopped:
	case <-time.After(time.Until(run) + 30*time.Second):
		t.Fatalf("the controller created no snapshot for the run of %s", stamp(run))
	case <-f.Context().Done():
		t.Fatal(f.Context().Err())
	}
	// A run's creates go out together: those in flight at the kill land,
	// none after it. Whichever landed must be kept as they are.
	before := f.ScheduledSnapshots(name)
	if len(before) == 0 || len(before) > len(vms) {
		t.Fatalf("after the kill: %s; want between 1 and %d snapshots of the run", describeSnapshots(before), len(vms))
	}
	landed := map[string]types.UID{}
	for _, snap := range before {
		if want := schedule.SnapshotName(name, snap.Spec.Source.Name, run); snap.Name != want {
			t.Fatalf("after the kill: snapshot %s, want %s", snap.Name, want)
		}
		landed[snap.Name] = snap.UID
	}
	if len(before) == len(vms) {
		t.Fatalf("after the kill: every snapshot of the run landed (%s): the restarted controller had none left to create", describeSnapshots(before))
	}
	t.Logf("after the kill: %d of %d snapshots of the run landed", len(before), len(vms))
	if s := f.GetSchedule(name); s.Status.LastScheduleTime != nil {
		t.Fatalf("the killed controller wrote the run into the status: %s", framework.DescribeSchedule(s))
	}

	startController(t, f)
	s := f.WaitForSchedule(name, "the run taken for every VM", every+30*time.Second, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		return s.Status.LastScheduleTime != nil && !s.Status.LastScheduleTime.Time.Before(run) && allRan(s, run)
	})
	for _, e := range s.Status.VirtualMachines {
		if want := schedule.SnapshotName(name, e.Name, run); !e.LastRunTime.Time.Equal(run) || e.LastRunResult != snapshotapi.ScheduleRunTaken || e.LastSnapshotName != want {
			t.Errorf("VM %s: want the run of %s Taken as %s: %s", e.Name, stamp(run), want, framework.DescribeSchedule(s))
		}
	}
	all := f.ScheduledSnapshots(name)
	checkOneSnapshotPerVM(t, name, vms, run, all)
	for _, snap := range all {
		if uid, ok := landed[snap.Name]; ok && snap.UID != uid {
			t.Errorf("snapshot %s was made again after the restart (uid %s, was %s)", snap.Name, snap.UID, uid)
		}
	}
	for _, e := range f.Events(scheduleKind, name) {
		if e.Reason == schedule.EventNameConflict {
			t.Errorf("the restarted controller took its own snapshot for another's: %s", e.Message)
		}
	}
}

// killAtFirstCreate kills the controller it wraps right after its first
// VirtualMachineSnapshot create in the namespace reached the API server:
// the controller never reads the answer, and nothing it sends afterwards
// arrives, as when the process dies between two writes.
type killAtFirstCreate struct {
	f    *framework.Framework
	path string

	mu   sync.Mutex
	dead bool
	// stopped is closed once the killed controller stopped.
	stopped chan struct{}
}

func newKillAtFirstCreate(f *framework.Framework) *killAtFirstCreate {
	return &killAtFirstCreate{
		f:       f,
		path:    "/apis/snapshot.vmsnap.io/v1alpha1/namespaces/" + f.Namespace + "/virtualmachinesnapshots",
		stopped: make(chan struct{}),
	}
}

var errKilled = errors.New("killed by the test after its first snapshot create")

func (k *killAtFirstCreate) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		k.mu.Lock()
		dead := k.dead
		k.mu.Unlock()
		if dead {
			return nil, errKilled
		}
		if req.Method != http.MethodPost || req.URL.Path != k.path {
			return next.RoundTrip(req)
		}
		resp, err := next.RoundTrip(req)
		k.mu.Lock()
		defer k.mu.Unlock()
		if !k.dead {
			k.dead = true
			// Stop waits for the controller's goroutines, this one among them.
			go func() {
				k.f.Controller.Stop()
				close(k.stopped)
			}()
		}
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return nil, errKilled
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// stopBetweenRuns stops the controller once the schedule's snapshots, at
// least atLeast of them, are all Ready and its next run is more than a second
// away, and returns them. A snapshot can slip into progress just before the
// stop: then it starts the controller again and tries once more.
func stopBetweenRuns(t *testing.T, f *framework.Framework, name string, atLeast int, every time.Duration) []snapshotapi.VirtualMachineSnapshot {
	t.Helper()
	var taken []snapshotapi.VirtualMachineSnapshot
	for attempt := 1; ; attempt++ {
		f.Eventually("snapshots of schedule "+name, fmt.Sprintf("at least %d, all Ready, the next run more than a second away", atLeast), time.Minute, func(context.Context) (bool, string, error) {
			taken = f.ScheduledSnapshots(name)
			if len(taken) < atLeast || !allReady(taken) {
				return false, describeSnapshots(taken), nil
			}
			return time.Until(latestRun(taken).Add(every)) > time.Second, describeSnapshots(taken), nil
		})
		f.Controller.Stop()
		taken = f.ScheduledSnapshots(name)
		if allReady(taken) {
			return taken
		}
		if attempt == 3 {
			t.Fatalf("snapshots were in progress at each of three stops: %s", describeSnapshots(taken))
		}
		startController(t, f)
	}
}

// checkOneSnapshotPerVM: of the schedule's snapshots, the run's are one per
// VM, each under the name the schedule gives it.
func checkOneSnapshotPerVM(t *testing.T, name string, vms []string, run time.Time, all []snapshotapi.VirtualMachineSnapshot) {
	t.Helper()
	perVM := map[string][]string{}
	for _, s := range snapshotsOfRun(all, run) {
		perVM[s.Spec.Source.Name] = append(perVM[s.Spec.Source.Name], s.Name)
	}
	for _, vm := range vms {
		want := schedule.SnapshotName(name, vm, run)
		if got := perVM[vm]; len(got) != 1 || got[0] != want {
			t.Errorf("VM %s: snapshots of the run of %s are %v, want exactly [%s]", vm, stamp(run), got, want)
		}
		delete(perVM, vm)
	}
	for vm, names := range perVM {
		t.Errorf("the run of %s snapshotted VM %s, which it does not select: %v", stamp(run), vm, names)
	}
}

// allRan reports whether every VM of the schedule's status had its turn in
// the run.
func allRan(s *snapshotapi.VirtualMachineSnapshotSchedule, run time.Time) bool {
	if len(s.Status.VirtualMachines) == 0 {
		return false
	}
	for _, e := range s.Status.VirtualMachines {
		if e.LastRunTime == nil || e.LastRunTime.Time.Before(run) {
			return false
		}
	}
	return true
}

func allReady(snaps []snapshotapi.VirtualMachineSnapshot) bool {
	for _, s := range snaps {
		if s.Status.Phase != snapshotapi.SnapshotReady {
			return false
		}
	}
	return true
}

// newer returns the snapshots of all that are not in old, oldest run first.
func newer(all, old []snapshotapi.VirtualMachineSnapshot) []snapshotapi.VirtualMachineSnapshot {
	var out []snapshotapi.VirtualMachineSnapshot
	for _, s := range all {
		if !slices.ContainsFunc(old, func(o snapshotapi.VirtualMachineSnapshot) bool { return o.UID == s.UID }) {
			out = append(out, s)
		}
	}
	return out
}

// snapshotsOfRun returns the snapshots taken for the run.
func snapshotsOfRun(all []snapshotapi.VirtualMachineSnapshot, run time.Time) []snapshotapi.VirtualMachineSnapshot {
	var out []snapshotapi.VirtualMachineSnapshot
	for _, s := range all {
		if t, ok := schedule.RunTime(&s); ok && t.Equal(run) {
			out = append(out, s)
		}
	}
	return out
}

// latestRun is the newest run time of the snapshots.
func latestRun(snaps []snapshotapi.VirtualMachineSnapshot) time.Time {
	var latest time.Time
	for _, s := range snaps {
		if t, ok := schedule.RunTime(&s); ok && t.After(latest) {
			latest = t
		}
	}
	return latest
}

func runOf(t *testing.T, s *snapshotapi.VirtualMachineSnapshot) time.Time {
	t.Helper()
	run, ok := schedule.RunTime(s)
	if !ok {
		t.Fatalf("snapshot %s has no readable run time: %v", s.Name, s.Annotations)
	}
	return run
}

func describeSnapshots(snaps []snapshotapi.VirtualMachineSnapshot) string {
	if len(snaps) == 0 {
		return "no snapshots"
	}
	var b strings.Builder
	for _, s := range snaps {
		fmt.Fprintf(&b, "\n  %s (vm %s, run %s): %s", s.Name, s.Spec.Source.Name, s.Annotations[snapshotapi.AnnotationScheduleTime], s.Status.Phase)
	}
	return b.String()
}

// startController starts the suite's controller again and waits until it
// is ready.
func startController(t *testing.T, f *framework.Framework) {
	t.Helper()
	if err := f.Controller.Start(); err != nil {
		t.Fatalf("starting the controller: %v", err)
	}
	if err := f.Controller.WaitReady(f.Context()); err != nil {
		t.Fatalf("%v", err)
	}
}

// sleepUntil waits until t, or fails the test if it ends first.
func sleepUntil(t *testing.T, f *framework.Framework, until time.Time) {
	t.Helper()
	select {
	case <-time.After(time.Until(until)):
	case <-f.Context().Done():
		t.Fatalf("%v", f.Context().Err())
	}
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func timeOrUnset(t *metav1.Time) string {
	if t == nil {
		return "unset"
	}
	return stamp(t.Time)
}

// threeVMsOnASpreadSchedule makes VMs vm-a, vm-b and vm-c and an "@every"
// schedule named name over them with spread; it returns the VMs and the
// time of the schedule's first run.
func threeVMsOnASpreadSchedule(f *framework.Framework, name string, every, spread time.Duration) ([]string, time.Time) {
	selected := map[string]string{"backup": name}
	vms := []string{"vm-a", "vm-b", "vm-c"}
	for _, vm := range vms {
		f.CreateVM(vm, framework.WithPVCDisks(1), framework.WithLabels(selected))
	}
	created := f.CreateSchedule(name, "@every "+every.String(), selected, func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) {
		s.Spread = &metav1.Duration{Duration: spread}
	})
	return vms, created.CreationTimestamp.Add(every)
}

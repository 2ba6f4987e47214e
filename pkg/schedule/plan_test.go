package schedule

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

// t0 is when the test schedules were created; they run every 10 minutes.
var t0 = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

const every10m = "*/10 * * * *"

func newSchedule(mutate ...func(*snapshotapi.VirtualMachineSnapshotSchedule)) *snapshotapi.VirtualMachineSnapshotSchedule {
	s := &snapshotapi.VirtualMachineSnapshotSchedule{
		ObjectMeta: metav1.ObjectMeta{Name: "nightly", Namespace: "ns", UID: "sched-uid", Generation: 1, ResourceVersion: "1", CreationTimestamp: metav1.NewTime(t0.Add(time.Second))},
		Spec: snapshotapi.VirtualMachineSnapshotScheduleSpec{
			Schedule: every10m,
			Selector: metav1.LabelSelector{MatchLabels: map[string]string{"backup": "yes"}},
			Spread:   &metav1.Duration{},
		},
	}
	for _, m := range mutate {
		m(s)
	}
	return s
}

// scheduledSnapshot is one of the schedule's snapshots of vm for run, in
// phase, cut a second after its run.
func scheduledSnapshot(vm string, run time.Time, phase snapshotapi.SnapshotPhase) *snapshotapi.VirtualMachineSnapshot {
	s := &snapshotapi.VirtualMachineSnapshot{
		ObjectMeta: metav1.ObjectMeta{
			Name: SnapshotName("nightly", vm, run), Namespace: "ns", UID: types.UID("uid-" + run.Format(time.RFC3339)),
			CreationTimestamp: metav1.NewTime(run),
			Labels:            map[string]string{snapshotapi.LabelSchedule: "nightly", snapshotapi.LabelScheduledVM: vm},
			Annotations:       map[string]string{snapshotapi.AnnotationScheduleUID: "sched-uid", snapshotapi.AnnotationScheduleTime: run.Format(time.RFC3339)},
		},
		Spec:   snapshotapi.VirtualMachineSnapshotSpec{Source: snapshotRef(vm)},
		Status: snapshotapi.VirtualMachineSnapshotStatus{Phase: phase},
	}
	if phase == snapshotapi.SnapshotReady {
		s.Status.CreationTime = ptr.To(metav1.NewTime(run.Add(time.Second)))
	}
	if phase == snapshotapi.SnapshotFailed {
		s.Status.Error = &snapshotapi.Error{Message: ptr.To("the CSI driver refused")}
	}
	return s
}

func snapshotRef(vm string) (ref corev1.TypedLocalObjectReference) {
	ref.APIGroup, ref.Kind, ref.Name = ptr.To("kubevirt.io"), "VirtualMachine", vm
	return ref
}

func decide(t *testing.T, sched *snapshotapi.VirtualMachineSnapshotSchedule, now time.Time, vms []string, snaps ...*snapshotapi.VirtualMachineSnapshot) Plan {
	t.Helper()
	c, err := ParseCron(sched.Spec.Schedule, sched.Spec.TimeZone, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return Decide(Input{
		Schedule: sched, Cron: c, Now: now, VMs: vms, Snapshots: snaps, InUse: sets.New[string](),
		Lookup: func(name string) *snapshotapi.VirtualMachineSnapshot {
			for _, s := range snaps {
				if s.Name == name {
					return s
				}
			}
			return nil
		},
	})
}

// applied is the schedule with a plan's status written.
func applied(sched *snapshotapi.VirtualMachineSnapshotSchedule, p Plan) *snapshotapi.VirtualMachineSnapshotSchedule {
	next := sched.DeepCopy()
	next.Status = p.Status
	return next
}

func entry(t *testing.T, p Plan, vm string) snapshotapi.ScheduledVirtualMachine {
	t.Helper()
	for _, e := range p.Status.VirtualMachines {
		if e.Name == vm {
			return e
		}
	}
	t.Fatalf("no status entry for VM %s: %+v", vm, p.Status.VirtualMachines)
	return snapshotapi.ScheduledVirtualMachine{}
}

func created(p Plan) []string {
	var names []string
	for _, c := range p.Create {
		names = append(names, c.Snapshot.Name)
	}
	return names
}

func deleted(p Plan) []string {
	var names []string
	for _, s := range p.Delete {
		names = append(names, s.Name)
	}
	slices.Sort(names)
	return names
}

func hasEvent(p Plan, reason, contains string) bool {
	return slices.ContainsFunc(p.Events, func(e Event) bool { return e.Reason == reason && strings.Contains(e.Message, contains) })
}

func TestFirstRunSnapshotsEverySelectedVM(t *testing.T) {
	sched := newSchedule(func(s *snapshotapi.VirtualMachineSnapshotSchedule) {
		s.Spec.Template.Metadata.Labels = map[string]string{"team": "db"}
		s.Spec.Template.FailureDeadline = &metav1.Duration{Duration: time.Minute}
		s.Spec.Template.DeletionPolicy = snapshotapi.DeletionPolicyRetain
		s.Spec.Template.ConsistencyGroup = snapshotapi.ConsistencyGroupRequired
	})
	before := decide(t, sched, t0.Add(5*time.Second), []string{"web", "db"})
	if len(before.Create) != 0 || before.Status.LastScheduleTime != nil {
		t.Fatalf("before the first run: created %v, last %v", created(before), before.Status.LastScheduleTime)
	}
	if before.RequeueAfter != 10*time.Minute-5*time.Second {
		t.Errorf("requeue after %v, want the next run's time", before.RequeueAfter)
	}

	run := t0.Add(10 * time.Minute)
	p := decide(t, applied(sched, before), run, []string{"web", "db"})
	if want := []string{"nightly-db-20261206101000", "nightly-web-20261206101000"}; !slices.Equal(created(p), want) {
		t.Fatalf("created %v, want %v", created(p), want)
	}
	s := p.Create[0].Snapshot
	if s.Labels["team"] != "db" || s.Labels[snapshotapi.LabelSchedule] != "nightly" || s.Annotations[snapshotapi.AnnotationScheduleUID] != "sched-uid" ||
		s.Spec.FailureDeadline.Duration != time.Minute || s.Spec.DeletionPolicy != snapshotapi.DeletionPolicyRetain ||
		s.Spec.ConsistencyGroup != snapshotapi.ConsistencyGroupRequired || len(s.OwnerReferences) != 0 {
		t.Errorf("snapshot %+v is not made from the template, with the schedule's label and UID and no owner", s.ObjectMeta)
	}
	if p.Runs[RunTaken] != 2 || !p.Status.LastScheduleTime.Time.Equal(run) || !p.Status.NextScheduleTime.Time.Equal(run.Add(10*time.Minute)) {
		t.Errorf("runs %v, last %v, next %v", p.Runs, p.Status.LastScheduleTime, p.Status.NextScheduleTime)
	}
	if e := entry(t, p, "web"); e.LastRunResult != snapshotapi.ScheduleRunTaken || e.LastSnapshotName != "nightly-web-20261206101000" {
		t.Errorf("web: %+v", e)
	}
	if !hasEvent(p, EventRunFinished, "2 snapshots taken") {
		t.Errorf("events %v", p.Events)
	}

	// The same sync again (the status written, the snapshots not yet in
	// the cache) creates nothing and counts nothing.
	again := decide(t, applied(sched, p), run.Add(time.Second), []string{"web", "db"})
	if len(again.Create) != 0 || again.Runs[RunTaken] != 0 || len(again.Events) != 0 {
		t.Errorf("a second sync of the run: created %v, runs %v, events %v", created(again), again.Runs, again.Events)
	}
}

// TestMissedRuns: after an outage only the latest run is taken, if it is
// still within startingDeadlineSeconds; the runs passed over are counted.
func TestMissedRuns(t *testing.T) {
	last := t0.Add(10 * time.Minute)
	sched := newSchedule(func(s *snapshotapi.VirtualMachineSnapshotSchedule) {
		s.Status.LastScheduleTime = ptr.To(metav1.NewTime(last))
		s.Spec.StartingDeadlineSeconds = ptr.To[int64](60)
	})
	vms := []string{"a", "b"}

	within := decide(t, sched, last.Add(30*time.Minute+59*time.Second), vms)
	if want := []string{"nightly-a-20261206104000", "nightly-b-20261206104000"}; !slices.Equal(created(within), want) {
		t.Errorf("within the deadline: created %v, want only the latest run's %v", created(within), want)
	}
	if within.Runs[RunMissed] != 4 || !hasEvent(within, EventRunMissed, "Passed over 2 runs") {
		t.Errorf("within the deadline: runs %v, events %v; want 2 runs x 2 VMs missed", within.Runs, within.Events)
	}

	past := decide(t, sched, last.Add(31*time.Minute+1*time.Second), vms)
	if len(past.Create) != 0 {
		t.Errorf("past the deadline: created %v", created(past))
	}
	if e := entry(t, past, "a"); e.LastRunResult != snapshotapi.ScheduleRunMissed || !e.LastRunTime.Time.Equal(last.Add(30*time.Minute)) {
		t.Errorf("past the deadline: %+v", e)
	}
	if past.Runs[RunMissed] != 6 || !hasEvent(past, EventRunFinished, "2 missed") {
		t.Errorf("past the deadline: runs %v, events %v", past.Runs, past.Events)
	}
	// The next run is taken as usual.
	next := decide(t, applied(sched, past), last.Add(40*time.Minute), vms)
	if len(next.Create) != 2 {
		t.Errorf("the run after a missed one: created %v", created(next))
	}
}

func TestRetentionByCountKeepsTheNewestReadyAndWhatARestoreReads(t *testing.T) {
	sched := newSchedule(func(s *snapshotapi.VirtualMachineSnapshotSchedule) {
		s.Spec.Retention.MaxCount = ptr.To[int32](2)
	})
	var snaps []*snapshotapi.VirtualMachineSnapshot
	for i := range 5 {
		snaps = append(snaps, scheduledSnapshot("web", t0.Add(time.Duration(i)*10*time.Minute), snapshotapi.SnapshotReady))
	}
	snaps = append(snaps, scheduledSnapshot("web", t0.Add(50*time.Minute), snapshotapi.SnapshotInProgress))
	now := t0.Add(55 * time.Minute)
	c, _ := ParseCron(every10m, nil, time.Second)
	in := Input{Schedule: sched, Cron: c, Now: now, VMs: []string{"web"}, Snapshots: snaps,
		InUse: sets.New(snaps[1].Name), Lookup: func(string) *snapshotapi.VirtualMachineSnapshot { return nil }}
	p := Decide(in)
	if want := []string{snaps[0].Name, snaps[2].Name}; !slices.Equal(deleted(p), want) {
		t.Errorf("deleted %v, want %v (the two newest Ready kept, the in-progress one and the one a restore reads spared)", deleted(p), want)
	}

	// maxCount 1 and every Ready one old: the newest stays.
	sched.Spec.Retention.MaxCount = ptr.To[int32](1)
	sched.Spec.Retention.MaxAge = &metav1.Duration{Duration: time.Minute}
	in.InUse = sets.New[string]()
	in.Now = t0.Add(24 * time.Hour)
	p = Decide(in)
	if want := []string{snaps[0].Name, snaps[1].Name, snaps[2].Name, snaps[3].Name}; !slices.Equal(deleted(p), want) {
		t.Errorf("deleted %v, want %v: never the newest Ready one", deleted(p), want)
	}
	if e := entry(t, p, "web"); e.LastSuccessfulSnapshotName != snaps[4].Name {
		t.Errorf("last successful %q, want %q", e.LastSuccessfulSnapshotName, snaps[4].Name)
	}
}

func TestRetentionByAgeWakesAtTheNextExpiry(t *testing.T) {
	sched := newSchedule(func(s *snapshotapi.VirtualMachineSnapshotSchedule) {
		s.Spec.Retention.MaxAge = &metav1.Duration{Duration: 25 * time.Minute}
		s.Spec.Suspend = ptr.To(true)
	})
	var snaps []*snapshotapi.VirtualMachineSnapshot
	for i := range 4 {
		snaps = append(snaps, scheduledSnapshot("web", t0.Add(time.Duration(i)*10*time.Minute), snapshotapi.SnapshotReady))
	}
	now := t0.Add(36 * time.Minute) // cuts at 0:01, 10:01, 20:01, 30:01
	p := decide(t, sched, now, []string{"web"}, snaps...)
	// 00:01 and 10:01 + 25m are past; 20:01 + 25m = 45:01 is next.
	if want := []string{snaps[0].Name, snaps[1].Name}; !slices.Equal(deleted(p), want) {
		t.Errorf("deleted %v, want %v", deleted(p), want)
	}
	if want := t0.Add(45*time.Minute + time.Second).Sub(now); p.RequeueAfter != want {
		t.Errorf("requeue after %v, want %v (the next expiry; suspended, so no run)", p.RequeueAfter, want)
	}
}

func TestFailedSnapshotsKeptUpToMaxFailed(t *testing.T) {
	sched := newSchedule(func(s *snapshotapi.VirtualMachineSnapshotSchedule) {
		s.Spec.Retention.MaxFailed = ptr.To[int32](2)
		s.Spec.MaxConsecutiveFailures = ptr.To[int32](0)
	})
	var snaps []*snapshotapi.VirtualMachineSnapshot
	for i := range 4 {
		snaps = append(snaps, scheduledSnapshot("web", t0.Add(time.Duration(i)*10*time.Minute), snapshotapi.SnapshotFailed))
	}
	p := decide(t, sched, t0.Add(35*time.Minute), []string{"web"}, snaps...)
	if want := []string{snaps[0].Name, snaps[1].Name}; !slices.Equal(deleted(p), want) {
		t.Errorf("deleted %v, want the two oldest failed %v", deleted(p), want)
	}
	if e := entry(t, p, "web"); e.ConsecutiveFailures != 4 || e.Suspended {
		t.Errorf("%+v: want 4 failures counted, no suspension with maxConsecutiveFailures 0", e)
	}
}

// TestSuspensionAfterConsecutiveFailures: the VM is left out after its
// third failure in a row, counted once each; suspending and resuming the
// schedule gives it another try.
func TestSuspensionAfterConsecutiveFailures(t *testing.T) {
	sched := newSchedule()
	vms := []string{"bad", "good"}
	snaps := []*snapshotapi.VirtualMachineSnapshot{
		scheduledSnapshot("bad", t0, snapshotapi.SnapshotReady),
		scheduledSnapshot("bad", t0.Add(10*time.Minute), snapshotapi.SnapshotFailed),
		scheduledSnapshot("bad", t0.Add(20*time.Minute), snapshotapi.SnapshotFailed),
	}
	sched.Status.LastScheduleTime = ptr.To(metav1.NewTime(t0.Add(20 * time.Minute)))
	p := decide(t, sched, t0.Add(25*time.Minute), vms, snaps...)
	if e := entry(t, p, "bad"); e.ConsecutiveFailures != 2 || e.Suspended || p.Runs[RunFailed] != 2 {
		t.Fatalf("after two failures: %+v, runs %v", e, p.Runs)
	}
	sched = applied(sched, p)

	snaps = append(snaps, scheduledSnapshot("bad", t0.Add(30*time.Minute), snapshotapi.SnapshotFailed))
	sched.Status.LastScheduleTime = ptr.To(metav1.NewTime(t0.Add(30 * time.Minute)))
	p = decide(t, sched, t0.Add(35*time.Minute), vms, snaps...)
	e := entry(t, p, "bad")
	if e.ConsecutiveFailures != 3 || !e.Suspended || p.Runs[RunFailed] != 1 {
		t.Fatalf("after three failures: %+v, runs %v (each failure counted once)", e, p.Runs)
	}
	if !hasEvent(p, EventVMSuspended, ": bad;") || !hasEvent(p, EventSnapshotFailed, "the CSI driver refused") {
		t.Errorf("events %v", p.Events)
	}
	cond := findCondition(p.Status.Conditions, ConditionVMsSuspended)
	if cond == nil || cond.Status != metav1.ConditionTrue || !strings.Contains(cond.Message, "bad") || p.Status.FailingVMs != 1 {
		t.Errorf("condition %+v, failing %d", cond, p.Status.FailingVMs)
	}
	sched = applied(sched, p)

	next := decide(t, sched, t0.Add(40*time.Minute), vms, snaps...)
	if want := []string{"nightly-good-20261206104000"}; !slices.Equal(created(next), want) {
		t.Errorf("the run after the suspension created %v, want %v", created(next), want)
	}
	if e := entry(t, next, "bad"); e.LastRunResult != snapshotapi.ScheduleRunSuspended {
		t.Errorf("bad: %+v", e)
	}

	edited := applied(sched, next)
	edited.Generation++
	if p := decide(t, edited, t0.Add(50*time.Minute), vms, snaps...); !slices.Contains(created(p), "nightly-bad-20261206105000") {
		t.Errorf("after a change to the spec, created %v: the VM must get another try", created(p))
	}

	sched.Spec.Suspend = ptr.To(true)
	suspended := decide(t, sched, t0.Add(41*time.Minute), vms, snaps...)
	if e := entry(t, suspended, "bad"); e.Suspended || e.ConsecutiveFailures != 0 || suspended.Status.NextScheduleTime != nil {
		t.Errorf("suspending the schedule: %+v, next %v", e, suspended.Status.NextScheduleTime)
	}
	if c := findCondition(suspended.Status.Conditions, snapshotapi.ConditionReady); c.Reason != ReasonSuspended {
		t.Errorf("Ready %+v", c)
	}
	resumed := applied(sched, suspended)
	resumed.Spec.Suspend = ptr.To(false)
	p = decide(t, resumed, t0.Add(50*time.Minute), vms, snaps...)
	if !slices.Contains(created(p), "nightly-bad-20261206105000") {
		t.Errorf("after resuming, created %v", created(p))
	}
}

func TestAVMWhoseSnapshotIsStillInProgressIsSkipped(t *testing.T) {
	sched := newSchedule()
	sched.Status.LastScheduleTime = ptr.To(metav1.NewTime(t0))
	snaps := []*snapshotapi.VirtualMachineSnapshot{scheduledSnapshot("slow", t0, snapshotapi.SnapshotInProgress)}
	p := decide(t, sched, t0.Add(10*time.Minute), []string{"slow", "fast"}, snaps...)
	if want := []string{"nightly-fast-20261206101000"}; !slices.Equal(created(p), want) {
		t.Errorf("created %v, want %v", created(p), want)
	}
	if e := entry(t, p, "slow"); e.LastRunResult != snapshotapi.ScheduleRunSkipped || p.Runs[RunSkipped] != 1 {
		t.Errorf("slow: %+v, runs %v", e, p.Runs)
	}
}

func TestANameHeldByAnotherSnapshotIsNeverTaken(t *testing.T) {
	sched := newSchedule()
	sched.Status.LastScheduleTime = ptr.To(metav1.NewTime(t0))
	foreign := scheduledSnapshot("web", t0.Add(10*time.Minute), snapshotapi.SnapshotReady)
	foreign.Annotations[snapshotapi.AnnotationScheduleUID] = "someone-else"
	c, _ := ParseCron(every10m, nil, time.Second)
	p := Decide(Input{Schedule: sched, Cron: c, Now: t0.Add(10 * time.Minute), VMs: []string{"web"}, InUse: sets.New[string](),
		Lookup: func(name string) *snapshotapi.VirtualMachineSnapshot {
			if name == foreign.Name {
				return foreign
			}
			return nil
		}})
	if len(p.Create) != 0 || entry(t, p, "web").LastRunResult != snapshotapi.ScheduleRunSkipped || !hasEvent(p, EventNameConflict, foreign.Name) {
		t.Errorf("created %v, entry %+v, events %v", created(p), entry(t, p, "web"), p.Events)
	}
}

// TestSpreadTakesARunInOneSecondBatches: ten VMs over 5s are snapshotted
// two a second, and a VM selected after the run began waits for the next.
func TestSpreadTakesARunInOneSecondBatches(t *testing.T) {
	sched := newSchedule(func(s *snapshotapi.VirtualMachineSnapshotSchedule) {
		s.Spec.Spread = &metav1.Duration{Duration: 5 * time.Second}
	})
	vms := []string{"vm0", "vm1", "vm2", "vm3", "vm4", "vm5", "vm6", "vm7", "vm8", "vm9"}
	run := t0.Add(10 * time.Minute)
	p := decide(t, sched, run, vms)
	if len(p.Create) != 2 || p.RequeueAfter != time.Second {
		t.Fatalf("at the run's time: created %v, requeue %v; want 2 and 1s", created(p), p.RequeueAfter)
	}
	total := len(p.Create)
	for i := 1; i <= 4; i++ {
		sched = applied(sched, p)
		current := vms
		if i == 3 {
			current = append(slices.Clone(vms), "late")
		}
		p = decide(t, sched, run.Add(time.Duration(i)*time.Second), current)
		total += len(p.Create)
		if slices.ContainsFunc(p.Create, func(c Creation) bool { return c.VM == "late" }) {
			t.Errorf("a VM selected after the run began was snapshotted in it")
		}
	}
	if total != 10 {
		t.Errorf("created %d snapshots over the window, want 10", total)
	}
	if !hasEvent(p, EventRunFinished, "10 snapshots taken") {
		t.Errorf("events %v", p.Events)
	}

	// Default: 30ms a VM.
	if got := spreadOffset(nil, 999, 1000); got != 29*time.Second {
		t.Errorf("default spread of the last of 1000 VMs: %v, want 29s", got)
	}
}

func TestStatusListsOnlySelectedVMs(t *testing.T) {
	sched := newSchedule()
	sched.Status.VirtualMachines = []snapshotapi.ScheduledVirtualMachine{{Name: "gone"}, {Name: "kept", ConsecutiveFailures: 1}}
	p := decide(t, sched, t0, []string{"kept", "new"})
	if len(p.Status.VirtualMachines) != 2 || p.Status.SelectedVMs != 2 || p.Status.FailingVMs != 1 {
		t.Errorf("status %+v", p.Status)
	}
	if e := entry(t, p, "new"); e.SelectedSince == nil || !e.SelectedSince.Time.Equal(t0) {
		t.Errorf("new: %+v", e)
	}
	none := decide(t, sched, t0.Add(time.Hour), nil)
	if c := findCondition(none.Status.Conditions, snapshotapi.ConditionReady); c.Reason != ReasonNothingSelected {
		t.Errorf("no VM selected: Ready %+v", c)
	}
	// Runs with nothing selected pass unnoticed: a VM selected later is
	// not told of runs missed before it was.
	if none.Runs[RunMissed] != 0 || len(none.Events) != 0 || !none.Status.LastScheduleTime.Time.Equal(t0.Add(time.Hour)) {
		t.Errorf("no VM selected: runs %v, events %v, last %v", none.Runs, none.Events, none.Status.LastScheduleTime)
	}
}

func findCondition(conditions []metav1.Condition, t string) *metav1.Condition {
	for i := range conditions {
		if conditions[i].Type == t {
			return &conditions[i]
		}
	}
	return nil
}

// TestEveryKeepsItsStepsWheneverTheControllerLooks: an "@every" schedule's
// runs are fixed steps from its creation, not from the moment a
// restarted controller looks, so a late look never shifts the runs after it.
func TestEveryKeepsItsStepsWheneverTheControllerLooks(t *testing.T) {
	sched := newSchedule(func(s *snapshotapi.VirtualMachineSnapshotSchedule) {
		s.Spec.Schedule = "@every 15s"
		s.Spec.StartingDeadlineSeconds = ptr.To[int64](2)
		s.CreationTimestamp = metav1.NewTime(t0)
		s.Status.LastScheduleTime = ptr.To(metav1.NewTime(t0.Add(15 * time.Second)))
	})
	// Back 4s after the run at 0:30: missed, and the next run is at 0:45.
	p := decide(t, sched, t0.Add(34*time.Second), []string{"vm"})
	if e := entry(t, p, "vm"); e.LastRunResult != snapshotapi.ScheduleRunMissed {
		t.Errorf("the late run: %+v", e)
	}
	if want := t0.Add(45 * time.Second); !p.Status.NextScheduleTime.Time.Equal(want) || p.RequeueAfter != 11*time.Second {
		t.Errorf("next %v, requeue %v; want %v in 11s", p.Status.NextScheduleTime, p.RequeueAfter, want)
	}
	next := decide(t, applied(sched, p), t0.Add(45*time.Second), []string{"vm"})
	if len(next.Create) != 1 {
		t.Errorf("the run on time after a missed one: created %v", created(next))
	}
	// A look between runs writes no new next time.
	between := decide(t, applied(sched, next), t0.Add(50*time.Second), []string{"vm"})
	if !between.Status.NextScheduleTime.Equal(next.Status.NextScheduleTime) {
		t.Errorf("next moved from %v to %v between runs", next.Status.NextScheduleTime, between.Status.NextScheduleTime)
	}
}

package schedule

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	testingclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"
	cdifake "kubevirt.io/client-go/containerizeddataimporter/fake"
	kubevirtfake "kubevirt.io/client-go/kubevirt/fake"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
	vmsnapfake "vmsnap.io/client-go/clientset/versioned/fake"
	vmsnapinformers "vmsnap.io/client-go/informers/externalversions"

	"vmsnap.io/vmsnap/pkg/controller/controllertest"
	"vmsnap.io/vmsnap/pkg/kubevirtinformers"
	"vmsnap.io/vmsnap/pkg/metrics"
)

// fixture is the controller over fake clients, restartable with empty
// memory and caches filled from the fakes.
type fixture struct {
	t        *testing.T
	vmsnap   *vmsnapfake.Clientset
	kubevirt *kubevirtfake.Clientset
	clock    *testingclock.FakeClock
	recorder *record.FakeRecorder
	registry *prometheus.Registry
	runs     *metrics.ScheduleRuns
	writes   []string
	c        *Controller
	vmsnapIn vmsnapinformers.SharedInformerFactory
	vmIn     *kubevirtinformers.Factory
}

func newFixture(t *testing.T, now time.Time, objects ...runtime.Object) *fixture {
	f := &fixture{
		t: t, vmsnap: vmsnapfake.NewSimpleClientset(), kubevirt: kubevirtfake.NewSimpleClientset(),
		clock: testingclock.NewFakeClock(now), recorder: record.NewFakeRecorder(1000), registry: prometheus.NewRegistry(),
	}
	f.runs = metrics.NewScheduleRuns(f.registry)
	controllertest.RecordWrites(&f.writes, f.vmsnap)
	for _, o := range objects {
		tracker := f.vmsnap.Tracker()
		if _, ok := o.(*kubevirtv1.VirtualMachine); ok {
			tracker = f.kubevirt.Tracker()
		}
		if err := tracker.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	f.restart()
	return f
}

// restart builds a controller with empty memory, its caches showing what
// the fakes hold.
func (f *fixture) restart() {
	f.vmsnapIn = vmsnapinformers.NewSharedInformerFactory(f.vmsnap, 0)
	f.vmIn = kubevirtinformers.NewFactory(f.kubevirt, cdifake.NewSimpleClientset(), 0)
	in := f.vmsnapIn.Snapshot().V1alpha1()
	c, err := New(Config{
		Client: f.vmsnap, Schedules: in.VirtualMachineSnapshotSchedules(), Snapshots: in.VirtualMachineSnapshots(),
		Restores: in.VirtualMachineRestores(), KubeVirtFactory: f.vmIn, Recorder: f.recorder, Clock: f.clock,
		Queue:   workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
		Metrics: f.runs, MinInterval: time.Second,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	c.vmsSynced = func() bool { return true }
	f.c = c
	f.catchUp()
}

// catchUp makes the caches show what the fakes hold.
func (f *fixture) catchUp() {
	ctx := context.Background()
	replace := func(informer interface{ GetIndexer() cache.Indexer }, list runtime.Object, err error) {
		if err != nil {
			f.t.Fatal(err)
		}
		items, err := apimeta.ExtractList(list)
		if err != nil {
			f.t.Fatal(err)
		}
		objs := make([]interface{}, len(items))
		for i := range items {
			objs[i] = items[i]
		}
		if err := informer.GetIndexer().Replace(objs, ""); err != nil {
			f.t.Fatal(err)
		}
	}
	in := f.vmsnapIn.Snapshot().V1alpha1()
	l1, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshotSchedules("").List(ctx, metav1.ListOptions{})
	replace(in.VirtualMachineSnapshotSchedules().Informer(), l1, err)
	l2, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshots("").List(ctx, metav1.ListOptions{})
	replace(in.VirtualMachineSnapshots().Informer(), l2, err)
	l3, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineRestores("").List(ctx, metav1.ListOptions{})
	replace(in.VirtualMachineRestores().Informer(), l3, err)
	l4, err := f.kubevirt.KubevirtV1().VirtualMachines("").List(ctx, metav1.ListOptions{})
	replace(f.vmIn.VirtualMachines(), l4, err)
}

func (f *fixture) sync() (time.Duration, error) {
	return f.c.sync(context.Background(), "ns/nightly")
}

// settle syncs, the caches catching up after each sync, until a sync fails
// or writes nothing.
func (f *fixture) settle() error {
	for range 10 {
		before := len(f.writes)
		_, err := f.sync()
		f.catchUp()
		if err != nil || len(f.writes) == before {
			return err
		}
	}
	f.t.Fatalf("no settling after 10 syncs: writes %v", f.writes)
	return nil
}

func (f *fixture) taken() float64 {
	families, err := f.registry.Gather()
	if err != nil {
		f.t.Fatal(err)
	}
	for _, mf := range families {
		if mf.GetName() != "vmsnap_schedule_runs_total" {
			continue
		}
		for _, m := range mf.Metric {
			if labelOf(m, "result") == RunTaken {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.Label {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func labelledVM(name string) *kubevirtv1.VirtualMachine {
	return &kubevirtv1.VirtualMachine{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{"backup": "yes"}}}
}

// faultFixture is a schedule with deletionPolicy Delete and maxCount 1 at
// its run's time over VMs a and b, a holding two Ready snapshots of earlier
// runs: a clean sync patches the finalizer, creates two snapshots, prunes
// one and writes the status.
func faultFixture(t *testing.T) (*fixture, time.Time) {
	run := t0.Add(30 * time.Minute)
	sched := newSchedule(func(s *snapshotapi.VirtualMachineSnapshotSchedule) {
		s.Spec.DeletionPolicy = snapshotapi.DeletionPolicyDelete
		s.Spec.Retention.MaxCount = ptr.To[int32](1)
		s.Status.LastScheduleTime = ptr.To(metav1.NewTime(t0.Add(20 * time.Minute)))
	})
	old := scheduledSnapshot("a", t0.Add(10*time.Minute), snapshotapi.SnapshotReady)
	newer := scheduledSnapshot("a", t0.Add(20*time.Minute), snapshotapi.SnapshotReady)
	return newFixture(t, run, sched, old, newer, labelledVM("a"), labelledVM("b")), run
}

// TestEveryWriteOfARunSurvivesAFaultAndARestart makes each write of a clean
// sync fail once, refused or landed with its answer lost, restarts the
// controller and syncs until it settles: every VM has exactly one snapshot
// of the run, retention pruned what it should, the status tells the run,
// and the run is counted once per VM when its write was refused.
func TestEveryWriteOfARunSurvivesAFaultAndARestart(t *testing.T) {
	clean, run := faultFixture(t)
	if err := clean.settle(); err != nil {
		t.Fatalf("clean run: %v", err)
	}
	want := []string{"patch virtualmachinesnapshotschedules", "create virtualmachinesnapshots", "create virtualmachinesnapshots",
		"delete virtualmachinesnapshots", "update virtualmachinesnapshotschedules/status"}
	if !slices.Equal(clean.writes, want) {
		t.Fatalf("a clean sync wrote %v, want %v", clean.writes, want)
	}
	seen := map[string]int{}
	for _, w := range want {
		n := seen[w]
		seen[w]++
		for _, landed := range []bool{false, true} {
			name := fmt.Sprintf("%s #%d landed=%v", w, n+1, landed)
			t.Run(name, func(t *testing.T) {
				f, _ := faultFixture(t)
				verb, rest, _ := strings.Cut(w, " ")
				resource, sub, _ := strings.Cut(rest, "/")
				fault := &controllertest.Fault{Verb: verb, Resource: resource, Subresource: sub, Skip: n, Times: 1, Landed: landed,
					Err: controllertest.APIErrors()["Timeout"]}
				controllertest.Inject(f.vmsnap, fault)
				if err := f.settle(); err == nil {
					t.Fatalf("the sync hid the failed %s", w)
				}
				if fault.Applied() != 1 {
					t.Fatalf("fault applied %d times", fault.Applied())
				}
				f.restart()
				if err := f.settle(); err != nil {
					t.Fatalf("the restarted controller: %v", err)
				}
				f.assertRunTaken(run, landed && w == "update virtualmachinesnapshotschedules/status")
			})
		}
	}
}

func (f *fixture) assertRunTaken(run time.Time, mayMiscount bool) {
	f.t.Helper()
	ctx := context.Background()
	list, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshots("ns").List(ctx, metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	var names []string
	for _, s := range list.Items {
		names = append(names, s.Name)
	}
	slices.Sort(names)
	want := []string{SnapshotName("nightly", "a", t0.Add(20*time.Minute)), SnapshotName("nightly", "a", run), SnapshotName("nightly", "b", run)}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		f.t.Errorf("snapshots %v, want %v: one per VM for the run, and the newest earlier one of a", names, want)
	}
	sched, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshotSchedules("ns").Get(ctx, "nightly", metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	if !slices.Contains(sched.Finalizers, FinalizerSnapshots) {
		f.t.Errorf("finalizers %v", sched.Finalizers)
	}
	for _, e := range sched.Status.VirtualMachines {
		if e.LastRunTime == nil || !e.LastRunTime.Time.Equal(run) || e.LastRunResult != snapshotapi.ScheduleRunTaken {
			f.t.Errorf("status of %s: %+v", e.Name, e)
		}
	}
	// A status write whose answer was lost may lose its counts with it (the
	// run is recorded, the counts were not added) or count them again.
	if got := f.taken(); got != 2 && !(mayMiscount && (got == 0 || got == 4)) {
		f.t.Errorf("counted %v runs taken, want 2", got)
	}
}

// TestACreateRefusedIsRetriedNotRecorded: a VM whose create is refused
// keeps its previous run in the status, so the next sync creates it.
func TestACreateRefusedIsRetriedNotRecorded(t *testing.T) {
	f, run := faultFixture(t)
	controllertest.Inject(f.vmsnap, &controllertest.Fault{Verb: "create", Resource: "virtualmachinesnapshots", Times: 1,
		Err: controllertest.APIErrors()["QuotaExceeded"]})
	if err := f.settle(); err == nil || !strings.Contains(err.Error(), "exceeded quota") {
		t.Fatalf("sync: %v", err)
	}
	sched, _ := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshotSchedules("ns").Get(context.Background(), "nightly", metav1.GetOptions{})
	for _, e := range sched.Status.VirtualMachines {
		if e.Name == "a" && e.LastRunTime != nil && e.LastRunTime.Time.Equal(run) {
			t.Errorf("a's refused snapshot is recorded as taken: %+v", e)
		}
	}
	if err := f.settle(); err != nil {
		t.Fatalf("second sync: %v", err)
	}
	f.assertRunTaken(run, false)
}

// TestAForeignSnapshotUnderTheNameIsNeverAdoptedNorPruned: a snapshot the
// schedule did not create, under the name of its next run's snapshot and
// with its label, is neither counted as the run's nor deleted.
func TestAForeignSnapshotUnderTheNameIsNeverAdoptedNorPruned(t *testing.T) {
	run := t0.Add(10 * time.Minute)
	foreign := scheduledSnapshot("a", run, snapshotapi.SnapshotReady)
	foreign.Annotations[snapshotapi.AnnotationScheduleUID] = "another-schedule"
	sched := newSchedule(func(s *snapshotapi.VirtualMachineSnapshotSchedule) { s.Spec.Retention.MaxCount = ptr.To[int32](1) })
	f := newFixture(t, run, sched, foreign, labelledVM("a"))
	if _, err := f.sync(); err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(f.writes, func(w string) bool { return strings.HasPrefix(w, "delete") || strings.HasPrefix(w, "create") }) {
		t.Errorf("writes %v: the foreign snapshot was touched or its name taken", f.writes)
	}
	got, _ := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshotSchedules("ns").Get(context.Background(), "nightly", metav1.GetOptions{})
	if e := got.Status.VirtualMachines[0]; e.LastRunResult != snapshotapi.ScheduleRunSkipped || e.LastSuccessfulSnapshotName != "" {
		t.Errorf("status %+v", e)
	}
	var events []string
	for len(f.recorder.Events) > 0 {
		events = append(events, <-f.recorder.Events)
	}
	if !slices.ContainsFunc(events, func(e string) bool { return strings.Contains(e, EventNameConflict) }) {
		t.Errorf("events %v", events)
	}
}

// TestDeletingWithDeletePolicyDeletesOnlyItsOwnSnapshots: the finalizer
// goes once the schedule's own snapshots are gone; a snapshot a restore
// reads waits, and one of another schedule under the label stays.
func TestDeletingWithDeletePolicyDeletesOnlyItsOwnSnapshots(t *testing.T) {
	sched := newSchedule(func(s *snapshotapi.VirtualMachineSnapshotSchedule) {
		s.Spec.DeletionPolicy = snapshotapi.DeletionPolicyDelete
		s.Finalizers = []string{FinalizerSnapshots}
		s.DeletionTimestamp = ptr.To(metav1.NewTime(t0))
	})
	mine := scheduledSnapshot("a", t0, snapshotapi.SnapshotReady)
	read := scheduledSnapshot("a", t0.Add(10*time.Minute), snapshotapi.SnapshotReady)
	other := scheduledSnapshot("a", t0.Add(20*time.Minute), snapshotapi.SnapshotReady)
	other.Annotations[snapshotapi.AnnotationScheduleUID] = "an-earlier-schedule-of-the-name"
	restore := &snapshotapi.VirtualMachineRestore{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns"},
		Spec: snapshotapi.VirtualMachineRestoreSpec{VirtualMachineSnapshotName: read.Name}}
	f := newFixture(t, t0.Add(time.Hour), sched, mine, read, other, restore)
	if wait, err := f.sync(); err != nil || wait == 0 {
		t.Fatalf("sync: %v, %v; want a wait for the restore", wait, err)
	}
	if !slices.Equal(f.writes, []string{"delete virtualmachinesnapshots"}) {
		t.Errorf("writes %v, want only the free snapshot deleted", f.writes)
	}
	restore.Status.Phase = snapshotapi.RestoreReady
	if _, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineRestores("ns").Update(context.Background(), restore, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.catchUp()
	if _, err := f.sync(); err != nil {
		t.Fatal(err)
	}
	f.catchUp()
	if _, err := f.sync(); err != nil {
		t.Fatal(err)
	}
	want := []string{"delete virtualmachinesnapshots", "update virtualmachinerestores", "delete virtualmachinesnapshots", "patch virtualmachinesnapshotschedules"}
	if !slices.Equal(f.writes, want) {
		t.Errorf("writes %v, want %v", f.writes, want)
	}
	if _, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshots("ns").Get(context.Background(), other.Name, metav1.GetOptions{}); err != nil {
		t.Errorf("another schedule's snapshot: %v", err)
	}
}

// TestASelectionTooLargeForTheStatusIsRefused: over MaxVMs the schedule
// takes nothing and says why, rather than writing a status the API server
// would refuse.
func TestASelectionTooLargeForTheStatusIsRefused(t *testing.T) {
	objects := []runtime.Object{newSchedule()}
	for i := range MaxVMs + 1 {
		objects = append(objects, labelledVM(fmt.Sprintf("vm%04d", i)))
	}
	f := newFixture(t, t0.Add(10*time.Minute), objects...)
	if _, err := f.sync(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.writes, []string{"update virtualmachinesnapshotschedules/status"}) {
		t.Fatalf("writes %v, want only the status", f.writes)
	}
	got, _ := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshotSchedules("ns").Get(context.Background(), "nightly", metav1.GetOptions{})
	c := findCondition(got.Status.Conditions, snapshotapi.ConditionReady)
	if c == nil || c.Reason != ReasonTooManyVMs || !strings.Contains(c.Message, "2501 VMs") {
		t.Errorf("Ready %+v", c)
	}
}

// TestAnInvalidTemplateLabelIsReportedNotRetriedForever: a label every
// snapshot would carry, and the API server would refuse, fails the
// schedule's Ready condition instead of every create.
func TestAnInvalidTemplateLabelIsReportedNotRetriedForever(t *testing.T) {
	sched := newSchedule(func(s *snapshotapi.VirtualMachineSnapshotSchedule) {
		s.Spec.Template.Metadata.Labels = map[string]string{"team": "db/ops"}
	})
	f := newFixture(t, t0.Add(10*time.Minute), sched, labelledVM("a"))
	if err := f.settle(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.writes, []string{"update virtualmachinesnapshotschedules/status"}) {
		t.Fatalf("writes %v, want only the status", f.writes)
	}
	got, _ := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshotSchedules("ns").Get(context.Background(), "nightly", metav1.GetOptions{})
	c := findCondition(got.Status.Conditions, snapshotapi.ConditionReady)
	if c == nil || c.Reason != ReasonInvalidSchedule || !strings.Contains(c.Message, `template.metadata.labels["team"]`) {
		t.Errorf("Ready %+v", c)
	}
}

// TestEveryWriteOfADeletionSurvivesAFaultAndARestart: each write of deleting
// a schedule with deletionPolicy Delete (its two snapshots, then its
// finalizer) fails once, refused or landed with its answer lost, and the
// controller restarts: the snapshots are gone and the finalizer released.
func TestEveryWriteOfADeletionSurvivesAFaultAndARestart(t *testing.T) {
	deleting := func(t *testing.T) *fixture {
		sched := newSchedule(func(s *snapshotapi.VirtualMachineSnapshotSchedule) {
			s.Spec.DeletionPolicy = snapshotapi.DeletionPolicyDelete
			s.Finalizers = []string{FinalizerSnapshots}
			s.DeletionTimestamp = ptr.To(metav1.NewTime(t0))
		})
		return newFixture(t, t0.Add(time.Hour), sched,
			scheduledSnapshot("a", t0, snapshotapi.SnapshotReady), scheduledSnapshot("b", t0, snapshotapi.SnapshotReady))
	}
	clean := deleting(t)
	if err := clean.settle(); err != nil {
		t.Fatalf("clean deletion: %v", err)
	}
	want := []string{"delete virtualmachinesnapshots", "delete virtualmachinesnapshots", "patch virtualmachinesnapshotschedules"}
	if !slices.Equal(clean.writes, want) {
		t.Fatalf("a clean deletion wrote %v, want %v", clean.writes, want)
	}
	seen := map[string]int{}
	for _, w := range want {
		n := seen[w]
		seen[w]++
		for _, landed := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s #%d landed=%v", w, n+1, landed), func(t *testing.T) {
				f := deleting(t)
				verb, resource, _ := strings.Cut(w, " ")
				fault := &controllertest.Fault{Verb: verb, Resource: resource, Skip: n, Times: 1, Landed: landed,
					Err: controllertest.APIErrors()["InternalError"]}
				controllertest.Inject(f.vmsnap, fault)
				if err := f.settle(); err == nil || fault.Applied() != 1 {
					t.Fatalf("the failed %s: sync error %v, fault applied %d times", w, err, fault.Applied())
				}
				f.restart()
				if err := f.settle(); err != nil {
					t.Fatalf("the restarted controller: %v", err)
				}
				ctx := context.Background()
				list, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshots("ns").List(ctx, metav1.ListOptions{})
				if err != nil || len(list.Items) != 0 {
					t.Errorf("snapshots left: %v (err %v)", list.Items, err)
				}
				sched, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshotSchedules("ns").Get(ctx, "nightly", metav1.GetOptions{})
				if err != nil || slices.Contains(sched.Finalizers, FinalizerSnapshots) {
					t.Errorf("the schedule keeps its finalizer (err %v): %v", err, sched.Finalizers)
				}
			})
		}
	}
}

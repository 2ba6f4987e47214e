package schedule

import (
	"cmp"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
	vmsnaplisters "vmsnap.io/client-go/listers/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/metrics"
)

// rpNow is a Wednesday.
var rpNow = time.Date(2026, 5, 13, 12, 0, 0, 0, time.UTC)

// rpSchedule is a schedule in prod whose status lists the VMs given.
func rpSchedule(name, cron string, vms ...snapshotapi.ScheduledVirtualMachine) *snapshotapi.VirtualMachineSnapshotSchedule {
	return &snapshotapi.VirtualMachineSnapshotSchedule{
		ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: name},
		Spec:       snapshotapi.VirtualMachineSnapshotScheduleSpec{Schedule: cron},
		Status:     snapshotapi.VirtualMachineSnapshotScheduleStatus{SelectedVMs: int32(len(vms)), VirtualMachines: vms},
	}
}

// rpVM is a selected VM; a zero time leaves the field unset.
func rpVM(name string, selectedSince, lastSuccess time.Time) snapshotapi.ScheduledVirtualMachine {
	e := snapshotapi.ScheduledVirtualMachine{Name: name}
	if !selectedSince.IsZero() {
		e.SelectedSince = ptr.To(metav1.NewTime(selectedSince))
	}
	if !lastSuccess.IsZero() {
		e.LastSuccessfulTime = ptr.To(metav1.NewTime(lastSuccess))
		e.LastSuccessfulSnapshotName = name + "-snap"
	}
	return e
}

// rpPoints lists the recovery points of the schedules through a lister
// over an indexer, as the controller's informer would serve them, sorted
// by namespace and VM.
func rpPoints(t *testing.T, schedules ...*snapshotapi.VirtualMachineSnapshotSchedule) []metrics.RecoveryPoint {
	t.Helper()
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	for _, s := range schedules {
		if err := indexer.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	lister := vmsnaplisters.NewVirtualMachineSnapshotScheduleLister(indexer)
	points := RecoveryPoints(lister, time.Minute, func() time.Time { return rpNow })()
	slices.SortFunc(points, func(a, b metrics.RecoveryPoint) int {
		if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
			return c
		}
		return strings.Compare(a.VM, b.VM)
	})
	return points
}

func rpAssert(t *testing.T, got, want []metrics.RecoveryPoint) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d recovery points %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Namespace != w.Namespace || g.VM != w.VM || !g.LastSuccess.Equal(w.LastSuccess) || g.Objective != w.Objective {
			t.Errorf("recovery point %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestRecoveryPointsOfADailySchedule(t *testing.T) {
	success := rpNow.Add(-12 * time.Hour)
	since := rpNow.Add(-time.Hour)
	s := rpSchedule("nightly", "@daily",
		rpVM("db", rpNow.Add(-30*24*time.Hour), success),
		// Selected an hour ago, no snapshot yet: its recovery point is the
		// time it was selected.
		rpVM("web", since, time.Time{}),
	)
	// Twice a day, the default failureDeadline (5m), and the default spread
	// for two VMs (30ms each).
	objective := 48*time.Hour + 5*time.Minute + 60*time.Millisecond
	rpAssert(t, rpPoints(t, s), []metrics.RecoveryPoint{
		{Namespace: "prod", VM: "db", LastSuccess: success, Objective: objective},
		{Namespace: "prod", VM: "web", LastSuccess: since, Objective: objective},
	})
}

func TestRecoveryPointsOfAWeekdaySchedule(t *testing.T) {
	success := rpNow.Add(-3 * time.Hour)
	s := rpSchedule("workdays", "0 9 * * 1-5", rpVM("db", rpNow.Add(-30*24*time.Hour), success))
	// The longest interval is the weekend, Friday 9:00 to Monday 9:00.
	objective := 2*72*time.Hour + 5*time.Minute + 30*time.Millisecond
	rpAssert(t, rpPoints(t, s), []metrics.RecoveryPoint{
		{Namespace: "prod", VM: "db", LastSuccess: success, Objective: objective},
	})
	// The same on a Saturday, the weekend under way, and on a Friday at the
	// run's very time.
	for _, now := range []time.Time{time.Date(2026, 5, 16, 12, 0, 0, 0, time.UTC), time.Date(2026, 5, 15, 9, 0, 0, 0, time.UTC)} {
		indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
		if err := indexer.Add(s); err != nil {
			t.Fatal(err)
		}
		points := RecoveryPoints(vmsnaplisters.NewVirtualMachineSnapshotScheduleLister(indexer), time.Minute, func() time.Time { return now })()
		rpAssert(t, points, []metrics.RecoveryPoint{{Namespace: "prod", VM: "db", LastSuccess: success, Objective: objective}})
	}
}

func TestRecoveryPointsHonourTheTemplatesDeadlineAndTheSpread(t *testing.T) {
	success := rpNow.Add(-time.Hour)
	s := rpSchedule("hourly", "@hourly",
		rpVM("a", rpNow.Add(-48*time.Hour), success),
		rpVM("b", rpNow.Add(-48*time.Hour), success),
		rpVM("c", rpNow.Add(-48*time.Hour), success),
	)
	s.Spec.Template.FailureDeadline = &metav1.Duration{Duration: 20 * time.Minute}
	s.Spec.Spread = &metav1.Duration{Duration: 10 * time.Minute}
	objective := 2*time.Hour + 20*time.Minute + 10*time.Minute
	want := []metrics.RecoveryPoint{
		{Namespace: "prod", VM: "a", LastSuccess: success, Objective: objective},
		{Namespace: "prod", VM: "b", LastSuccess: success, Objective: objective},
		{Namespace: "prod", VM: "c", LastSuccess: success, Objective: objective},
	}
	rpAssert(t, rpPoints(t, s), want)

	// "0s" takes every snapshot at once: no spread.
	s.Spec.Spread = &metav1.Duration{}
	for i := range want {
		want[i].Objective = 2*time.Hour + 20*time.Minute
	}
	rpAssert(t, rpPoints(t, s), want)
}

func TestRecoveryPointsAcrossTheAutumnDaylightSavingTimeChange(t *testing.T) {
	// Midnight in Berlin on 25 October 2026, the day the clock goes back:
	// that day has 25 hours.
	s := rpSchedule("nightly", "0 0 * * *", rpVM("db", rpNow.Add(-24*time.Hour), time.Time{}))
	s.Spec.TimeZone = ptr.To("Europe/Berlin")
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	if err := indexer.Add(s); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC)
	points := RecoveryPoints(vmsnaplisters.NewVirtualMachineSnapshotScheduleLister(indexer), time.Minute, func() time.Time { return now })()
	rpAssert(t, points, []metrics.RecoveryPoint{
		{Namespace: "prod", VM: "db", LastSuccess: rpNow.Add(-24 * time.Hour), Objective: 2*25*time.Hour + 5*time.Minute + 30*time.Millisecond},
	})
}

func TestRecoveryPointsLeaveOutWhatHasNoObjective(t *testing.T) {
	vm := rpVM("db", rpNow.Add(-time.Hour), rpNow.Add(-time.Minute))
	invalid := rpSchedule("invalid", "61 * * * *", vm)
	tooOften := rpSchedule("too-often", "@every 10s", vm)
	badZone := rpSchedule("bad-zone", "@daily", vm)
	badZone.Spec.TimeZone = ptr.To("Mars/Olympus")
	deleted := rpSchedule("deleted", "@daily", vm)
	deleted.DeletionTimestamp = ptr.To(metav1.NewTime(rpNow))
	deleted.Finalizers = []string{"snapshot.vmsnap.io/schedule"}
	rpAssert(t, rpPoints(t, invalid, tooOften, badZone, deleted), nil)

	// A VM with neither a success nor a selection time (a status written
	// by hand) is left out too; the schedule's other VMs are not.
	s := rpSchedule("nightly", "@daily", rpVM("bare", time.Time{}, time.Time{}), vm)
	rpAssert(t, rpPoints(t, s), []metrics.RecoveryPoint{
		{Namespace: "prod", VM: "db", LastSuccess: rpNow.Add(-time.Minute), Objective: 48*time.Hour + 5*time.Minute + 60*time.Millisecond},
	})
}

func TestRecoveryPointsOfSeveralSchedules(t *testing.T) {
	// Each schedule reports its own points; the collector merges a VM two
	// schedules select.
	success := rpNow.Add(-2 * time.Hour)
	daily := rpSchedule("daily", "@daily", rpVM("db", rpNow.Add(-72*time.Hour), success))
	hourly := rpSchedule("hourly", "@hourly", rpVM("db", rpNow.Add(-30*time.Minute), time.Time{}))
	other := rpSchedule("daily", "@daily", rpVM("db", rpNow.Add(-time.Hour), time.Time{}))
	other.Namespace = "dev"
	points := rpPoints(t, daily, hourly, other)
	slices.SortStableFunc(points, func(a, b metrics.RecoveryPoint) int { return cmp.Compare(a.Objective, b.Objective) })
	rpAssert(t, points, []metrics.RecoveryPoint{
		{Namespace: "prod", VM: "db", LastSuccess: rpNow.Add(-30 * time.Minute), Objective: 2*time.Hour + 5*time.Minute + 30*time.Millisecond},
		{Namespace: "dev", VM: "db", LastSuccess: rpNow.Add(-time.Hour), Objective: 48*time.Hour + 5*time.Minute + 30*time.Millisecond},
		{Namespace: "prod", VM: "db", LastSuccess: success, Objective: 48*time.Hour + 5*time.Minute + 30*time.Millisecond},
	})
}

package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

const (
	lastSuccessName = "vmsnap_vm_last_successful_snapshot_timestamp_seconds"
	objectiveName   = "vmsnap_vm_recovery_point_objective_seconds"
)

// recoveryPointText is the exposition of the collector's two families, the
// given sample lines under each.
func recoveryPointText(lastSuccess, objective string) string {
	return `
# HELP vmsnap_vm_last_successful_snapshot_timestamp_seconds For every VM a schedule selects: the cut of its newest Ready scheduled snapshot, in Unix seconds; until it has one, the time the schedule first selected it.
# TYPE vmsnap_vm_last_successful_snapshot_timestamp_seconds gauge
` + lastSuccess + `
# HELP vmsnap_vm_recovery_point_objective_seconds For every VM a schedule selects: how old its newest good snapshot may be, twice its schedule's longest interval plus the snapshots' failureDeadline and the run's spread (VMSnapRecoveryPointTooOld fires past it).
# TYPE vmsnap_vm_recovery_point_objective_seconds gauge
` + objective + `
`
}

func TestRecoveryPointCollectorExportsExactlyThePointsGiven(t *testing.T) {
	base := time.Unix(1_700_000_000, 0)
	points := []RecoveryPoint{
		{Namespace: "prod", VM: "db", LastSuccess: base.Add(250 * time.Millisecond), Objective: 48*time.Hour + 5*time.Minute + 60*time.Millisecond},
		{Namespace: "prod", VM: "web", LastSuccess: base.Add(-time.Hour), Objective: 2 * time.Hour},
		// The same VM name in another namespace is another VM.
		{Namespace: "dev", VM: "db", LastSuccess: base.Add(-24 * time.Hour), Objective: 30 * time.Minute},
	}
	c := NewRecoveryPointCollector(func() []RecoveryPoint { return points })

	expected := recoveryPointText(`
vmsnap_vm_last_successful_snapshot_timestamp_seconds{namespace="dev",vm="db"} 1.6999136e+09
vmsnap_vm_last_successful_snapshot_timestamp_seconds{namespace="prod",vm="db"} 1.70000000025e+09
vmsnap_vm_last_successful_snapshot_timestamp_seconds{namespace="prod",vm="web"} 1.6999964e+09
`, `
vmsnap_vm_recovery_point_objective_seconds{namespace="dev",vm="db"} 1800
vmsnap_vm_recovery_point_objective_seconds{namespace="prod",vm="db"} 173100.06
vmsnap_vm_recovery_point_objective_seconds{namespace="prod",vm="web"} 7200
`)
	if err := testutil.CollectAndCompare(c, strings.NewReader(expected)); err != nil {
		t.Fatal(err)
	}

	// Series go with the points: a VM no longer selected loses both.
	points = points[:1]
	expected = recoveryPointText(`
vmsnap_vm_last_successful_snapshot_timestamp_seconds{namespace="prod",vm="db"} 1.70000000025e+09
`, `
vmsnap_vm_recovery_point_objective_seconds{namespace="prod",vm="db"} 173100.06
`)
	if err := testutil.CollectAndCompare(c, strings.NewReader(expected)); err != nil {
		t.Fatal(err)
	}

	points = nil
	if n := testutil.CollectAndCount(c); n != 0 {
		t.Fatalf("with no points, %d series were collected, want none", n)
	}
}

func TestRecoveryPointCollectorMergesAVMSelectedByTwoSchedules(t *testing.T) {
	base := time.Unix(1_700_000_000, 0)
	// An hourly schedule that has not succeeded for a while, and a daily
	// one that just did: the VM's newest success is the daily's, its
	// tightest objective the hourly's. Each field merges on its own.
	hourly := RecoveryPoint{Namespace: "prod", VM: "db", LastSuccess: base.Add(-3 * time.Hour), Succeeded: true, Objective: 2*time.Hour + 5*time.Minute}
	daily := RecoveryPoint{Namespace: "prod", VM: "db", LastSuccess: base, Succeeded: true, Objective: 48*time.Hour + 5*time.Minute}
	other := RecoveryPoint{Namespace: "prod", VM: "web", LastSuccess: base.Add(-time.Minute), Objective: time.Hour}

	expected := recoveryPointText(`
vmsnap_vm_last_successful_snapshot_timestamp_seconds{namespace="prod",vm="db"} 1.7e+09
vmsnap_vm_last_successful_snapshot_timestamp_seconds{namespace="prod",vm="web"} 1.69999994e+09
`, `
vmsnap_vm_recovery_point_objective_seconds{namespace="prod",vm="db"} 7500
vmsnap_vm_recovery_point_objective_seconds{namespace="prod",vm="web"} 3600
`)
	for _, order := range [][]RecoveryPoint{
		{hourly, daily, other},
		{daily, hourly, other},
		{daily, other, hourly},
		{other, hourly, daily},
	} {
		c := NewRecoveryPointCollector(func() []RecoveryPoint { return order })
		if err := testutil.CollectAndCompare(c, strings.NewReader(expected), lastSuccessName, objectiveName); err != nil {
			t.Errorf("points in the order %v: %v", order, err)
		}
	}
}

// TestASuccessOutranksASelection: a schedule that has just begun to select
// a VM (no success yet, selected now) does not hide an older success of
// another schedule, nor, without any success, an earlier selection.
func TestASuccessOutranksASelection(t *testing.T) {
	base := time.Unix(1_700_000_000, 0)
	old := RecoveryPoint{Namespace: "prod", VM: "db", LastSuccess: base.Add(-72 * time.Hour), Succeeded: true, Objective: time.Hour}
	fresh := RecoveryPoint{Namespace: "prod", VM: "db", LastSuccess: base, Objective: 2 * time.Hour}
	firstSelected := RecoveryPoint{Namespace: "prod", VM: "web", LastSuccess: base.Add(-10 * time.Hour), Objective: time.Hour}
	laterSelected := RecoveryPoint{Namespace: "prod", VM: "web", LastSuccess: base, Objective: time.Hour}
	expected := recoveryPointText(`
vmsnap_vm_last_successful_snapshot_timestamp_seconds{namespace="prod",vm="db"} 1.6997408e+09
vmsnap_vm_last_successful_snapshot_timestamp_seconds{namespace="prod",vm="web"} 1.699964e+09
`, `
vmsnap_vm_recovery_point_objective_seconds{namespace="prod",vm="db"} 3600
vmsnap_vm_recovery_point_objective_seconds{namespace="prod",vm="web"} 3600
`)
	for _, order := range [][]RecoveryPoint{{old, fresh, firstSelected, laterSelected}, {fresh, old, laterSelected, firstSelected}} {
		c := NewRecoveryPointCollector(func() []RecoveryPoint { return order })
		if err := testutil.CollectAndCompare(c, strings.NewReader(expected), lastSuccessName, objectiveName); err != nil {
			t.Errorf("points in the order %v: %v", order, err)
		}
	}
}

func TestRecoveryPointCollectorIsConsistent(t *testing.T) {
	c := NewRecoveryPointCollector(func() []RecoveryPoint {
		return []RecoveryPoint{{Namespace: "prod", VM: "db", LastSuccess: time.Unix(1, 0), Objective: time.Minute}}
	})
	// A pedantic registry checks every metric collected against the
	// descriptors Describe announced.
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	if _, err := reg.Gather(); err != nil {
		t.Fatal(err)
	}
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %v", problems, err)
	}
}

func TestScheduleRunsStartAtZeroForEveryResult(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	runs := NewScheduleRuns(reg)

	header := `
# HELP vmsnap_schedule_runs_total What schedule runs did for each selected VM: taken (snapshot created), skipped (its previous one still in progress), missed (too late, or passed over while the controller was down), failed (the scheduled snapshot failed).
# TYPE vmsnap_schedule_runs_total counter
`
	expected := header + `
vmsnap_schedule_runs_total{result="failed"} 0
vmsnap_schedule_runs_total{result="missed"} 0
vmsnap_schedule_runs_total{result="skipped"} 0
vmsnap_schedule_runs_total{result="taken"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expected), "vmsnap_schedule_runs_total"); err != nil {
		t.Fatal(err)
	}

	runs.Add("taken", 3)
	runs.Add("taken", 2)
	runs.Add("missed", 1)
	// Nothing to count: no change.
	runs.Add("failed", 0)
	runs.Add("skipped", -4)
	expected = header + `
vmsnap_schedule_runs_total{result="failed"} 0
vmsnap_schedule_runs_total{result="missed"} 1
vmsnap_schedule_runs_total{result="skipped"} 0
vmsnap_schedule_runs_total{result="taken"} 5
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expected), "vmsnap_schedule_runs_total"); err != nil {
		t.Fatal(err)
	}
}

func TestNilScheduleRunsCountsNothing(t *testing.T) {
	var runs *ScheduleRuns
	runs.Add("taken", 1) // must not panic
}

package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ScheduleRuns counts what schedule runs did for each VM. A nil
// *ScheduleRuns counts nothing, for tests that do not look.
type ScheduleRuns struct {
	runs *prometheus.CounterVec
}

// NewScheduleRuns registers vmsnap_schedule_runs_total with reg, its four
// results at zero.
func NewScheduleRuns(reg prometheus.Registerer) *ScheduleRuns {
	r := &ScheduleRuns{runs: prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "schedule_runs_total",
		Help: "What schedule runs did for each selected VM: taken (snapshot created), skipped (its previous one still in progress), missed (too late, or passed over while the controller was down), failed (the scheduled snapshot failed).",
	}, []string{"result"})}
	for _, result := range []string{"taken", "skipped", "missed", "failed"} {
		r.runs.WithLabelValues(result)
	}
	reg.MustRegister(r.runs)
	return r
}

// Add counts n runs of a result.
func (r *ScheduleRuns) Add(result string, n int) {
	if r == nil || n <= 0 {
		return
	}
	r.runs.WithLabelValues(result).Add(float64(n))
}

// RecoveryPoint is the state of one VM a schedule selects.
type RecoveryPoint struct {
	Namespace, VM string
	// LastSuccess is the cut of the VM's newest Ready scheduled snapshot;
	// until it has one (Succeeded false), the time the schedule began to
	// select it.
	LastSuccess time.Time
	Succeeded   bool
	// Objective is how old LastSuccess may grow before the VM is behind:
	// twice the schedule's longest interval plus its snapshots'
	// failureDeadline and the run's spread.
	Objective time.Duration
}

// RecoveryPointCollector exposes, for every VM a schedule selects, its last
// successful snapshot time and its objective. A VM several schedules select
// reports its newest success and its tightest objective; without any
// success, the earliest time a schedule selected it, so that a schedule
// added later does not hide a VM that never got one. Series go with the
// VM's selection.
type RecoveryPointCollector struct {
	points              func() []RecoveryPoint
	lastSuccess, maxAge *prometheus.Desc
}

// NewRecoveryPointCollector returns a collector over points.
func NewRecoveryPointCollector(points func() []RecoveryPoint) *RecoveryPointCollector {
	return &RecoveryPointCollector{
		points: points,
		lastSuccess: prometheus.NewDesc(namespace+"_vm_last_successful_snapshot_timestamp_seconds",
			"For every VM a schedule selects: the cut of its newest Ready scheduled snapshot, in Unix seconds; until it has one, the time the schedule first selected it.",
			[]string{"namespace", "vm"}, nil),
		maxAge: prometheus.NewDesc(namespace+"_vm_recovery_point_objective_seconds",
			"For every VM a schedule selects: how old its newest good snapshot may be, twice its schedule's longest interval plus the snapshots' failureDeadline and the run's spread (VMSnapRecoveryPointTooOld fires past it).",
			[]string{"namespace", "vm"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *RecoveryPointCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.lastSuccess
	ch <- c.maxAge
}

// Collect implements prometheus.Collector.
func (c *RecoveryPointCollector) Collect(ch chan<- prometheus.Metric) {
	type vmKey struct{ namespace, vm string }
	merged := map[vmKey]RecoveryPoint{}
	for _, p := range c.points() {
		k := vmKey{p.Namespace, p.VM}
		if m, ok := merged[k]; ok {
			if betterRecoveryPoint(m, p) {
				p.LastSuccess, p.Succeeded = m.LastSuccess, m.Succeeded
			}
			p.Objective = min(p.Objective, m.Objective)
		}
		merged[k] = p
	}
	for k, p := range merged {
		ch <- prometheus.MustNewConstMetric(c.lastSuccess, prometheus.GaugeValue, float64(p.LastSuccess.UnixMilli())/1000, k.namespace, k.vm)
		ch <- prometheus.MustNewConstMetric(c.maxAge, prometheus.GaugeValue, p.Objective.Seconds(), k.namespace, k.vm)
	}
}

// betterRecoveryPoint reports whether a tells of a VM's recovery point
// better than b: a success over none, the newer success, or without one
// the earlier selection.
func betterRecoveryPoint(a, b RecoveryPoint) bool {
	if a.Succeeded != b.Succeeded {
		return a.Succeeded
	}
	if a.Succeeded {
		return a.LastSuccess.After(b.LastSuccess)
	}
	return a.LastSuccess.Before(b.LastSuccess)
}

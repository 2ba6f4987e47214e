package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Kinds, as the kind label of the controllers' metrics.
const (
	KindVirtualMachineSnapshot = "VirtualMachineSnapshot"
	KindVirtualDiskSnapshot    = "VirtualDiskSnapshot"
	KindVirtualMachineRestore  = "VirtualMachineRestore"
)

// Operations records what the controllers finish: counters and histograms
// whose labels are bounded (kind, result), so they need no cleanup. A nil
// *Operations records nothing, for tests that do not look.
type Operations struct {
	finished         *prometheus.CounterVec
	duration         *prometheus.HistogramVec
	deadlineExceeded *prometheus.CounterVec
	frozen           prometheus.Histogram
}

// NewOperations registers the operation metrics with reg.
func NewOperations(reg prometheus.Registerer) *Operations {
	o := &Operations{
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "operations_total",
			Help: "Snapshots and restores that reached a final phase, by kind and result (Ready or Failed).",
		}, []string{"kind", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "operation_duration_seconds",
			Help:    "Time from the creation of a snapshot or restore to its final phase, by kind and result.",
			Buckets: prometheus.ExponentialBuckets(0.1, 2, 14), // 100ms .. ~14min
		}, []string{"kind", "result"}),
		deadlineExceeded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "deadline_exceeded_total",
			Help: "Snapshots and restores failed because their failureDeadline passed, by kind.",
		}, []string{"kind"}),
		frozen: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "vm_frozen_seconds",
			Help:    "How long guest filesystems stayed frozen for a snapshot: freeze call to thaw call.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 14), // 10ms .. ~80s
		}),
	}
	reg.MustRegister(o.finished, o.duration, o.deadlineExceeded, o.frozen)
	return o
}

// Finished records a snapshot or restore reaching result (its final phase).
func (o *Operations) Finished(kind, result string, created, now time.Time) {
	if o == nil {
		return
	}
	o.finished.WithLabelValues(kind, result).Inc()
	o.duration.WithLabelValues(kind, result).Observe(now.Sub(created).Seconds())
}

// DeadlineExceeded records a failure by deadline.
func (o *Operations) DeadlineExceeded(kind string) {
	if o == nil {
		return
	}
	o.deadlineExceeded.WithLabelValues(kind).Inc()
}

// Thawed records how long a guest stayed frozen.
func (o *Operations) Thawed(frozenFor time.Duration) {
	if o == nil {
		return
	}
	o.frozen.Observe(frozenFor.Seconds())
}

// ObjectState is one snapshot or restore as the state collector reports it.
type ObjectState struct {
	Kind, Namespace, Name string
	Phase                 string
	// Reason is the Ready condition's reason, reported for failed objects.
	Reason string
	// Overdue is set for an object that is not final past its deadline.
	Overdue bool
}

// FrozenVM is a VM whose filesystems this controller froze and did not thaw.
type FrozenVM struct {
	Namespace, Name string
	Since           time.Time
}

// StateCollector reports, at each scrape, the current objects from the
// informer caches. Series of deleted objects disappear with them, so none is
// ever left stale. Per-object labels appear only on the series alerts need:
// failed objects, overdue objects and frozen VMs.
type StateCollector struct {
	objects func() []ObjectState
	frozen  func() []FrozenVM
	now     func() time.Time

	phases  *prometheus.Desc
	failed  *prometheus.Desc
	overdue *prometheus.Desc
	frozenD *prometheus.Desc
}

// NewStateCollector returns a collector over the given sources.
func NewStateCollector(objects func() []ObjectState, frozen func() []FrozenVM, now func() time.Time) *StateCollector {
	return &StateCollector{
		objects: objects, frozen: frozen, now: now,
		phases: prometheus.NewDesc(namespace+"_objects", "Snapshots and restores by kind and phase.",
			[]string{"kind", "phase"}, nil),
		failed: prometheus.NewDesc(namespace+"_failed_info", "1 for each failed snapshot or restore, with the reason of its Ready condition.",
			[]string{"kind", "namespace", "name", "reason"}, nil),
		overdue: prometheus.NewDesc(namespace+"_overdue_info", "1 for each snapshot or restore not finished past its failureDeadline.",
			[]string{"kind", "namespace", "name"}, nil),
		frozenD: prometheus.NewDesc(namespace+"_vm_frozen_for_seconds", "How long each VM this controller froze has been frozen, now.",
			[]string{"namespace", "vm"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *StateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.phases
	ch <- c.failed
	ch <- c.overdue
	ch <- c.frozenD
}

// Collect implements prometheus.Collector.
func (c *StateCollector) Collect(ch chan<- prometheus.Metric) {
	type kindPhase struct{ kind, phase string }
	counts := map[kindPhase]int{}
	for _, o := range c.objects() {
		counts[kindPhase{o.Kind, o.Phase}]++
		if o.Phase == "Failed" {
			ch <- prometheus.MustNewConstMetric(c.failed, prometheus.GaugeValue, 1, o.Kind, o.Namespace, o.Name, o.Reason)
		}
		if o.Overdue {
			ch <- prometheus.MustNewConstMetric(c.overdue, prometheus.GaugeValue, 1, o.Kind, o.Namespace, o.Name)
		}
	}
	for kp, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.phases, prometheus.GaugeValue, float64(n), kp.kind, kp.phase)
	}
	now := c.now()
	for _, vm := range c.frozen() {
		ch <- prometheus.MustNewConstMetric(c.frozenD, prometheus.GaugeValue, now.Sub(vm.Since).Seconds(), vm.Namespace, vm.Name)
	}
}

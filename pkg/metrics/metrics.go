// Package metrics defines vmsnap's Prometheus metrics and their registry.
//
// Every metric is named vmsnap_*. Metrics carry no per-object labels unless
// an alert needs one, and the series of deleted objects are removed.
package metrics

import (
	"context"
	"net/url"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	clientmetrics "k8s.io/client-go/tools/metrics"
	"k8s.io/client-go/util/workqueue"
)

const namespace = "vmsnap"

// NewRegistry returns a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// WorkqueueProvider makes the metrics of the controllers' workqueues, labelled
// by queue name.
type WorkqueueProvider struct {
	depth                   *prometheus.GaugeVec
	adds                    *prometheus.CounterVec
	latency                 *prometheus.HistogramVec
	workDuration            *prometheus.HistogramVec
	unfinishedWork          *prometheus.GaugeVec
	longestRunningProcessor *prometheus.GaugeVec
	retries                 *prometheus.CounterVec
}

var _ workqueue.MetricsProvider = &WorkqueueProvider{}

// NewWorkqueueProvider registers the workqueue metrics with reg.
func NewWorkqueueProvider(reg prometheus.Registerer) *WorkqueueProvider {
	buckets := prometheus.ExponentialBuckets(0.0001, 4, 12) // 100µs .. ~7min
	labels := []string{"name"}
	p := &WorkqueueProvider{
		depth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "workqueue", Name: "depth",
			Help: "Current depth of the workqueue.",
		}, labels),
		adds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "workqueue", Name: "adds_total",
			Help: "Total number of adds handled by the workqueue.",
		}, labels),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "workqueue", Name: "queue_duration_seconds",
			Help: "How long an item stays in the workqueue before being processed.", Buckets: buckets,
		}, labels),
		workDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "workqueue", Name: "work_duration_seconds",
			Help: "How long processing an item from the workqueue takes.", Buckets: buckets,
		}, labels),
		unfinishedWork: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "workqueue", Name: "unfinished_work_seconds",
			Help: "Seconds of work in progress not yet observed by work_duration; large values mean stuck workers.",
		}, labels),
		longestRunningProcessor: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "workqueue", Name: "longest_running_processor_seconds",
			Help: "How long the longest running processor of the workqueue has been running.",
		}, labels),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "workqueue", Name: "retries_total",
			Help: "Total number of retries handled by the workqueue.",
		}, labels),
	}
	reg.MustRegister(p.depth, p.adds, p.latency, p.workDuration, p.unfinishedWork, p.longestRunningProcessor, p.retries)
	return p
}

func (p *WorkqueueProvider) NewDepthMetric(name string) workqueue.GaugeMetric {
	return p.depth.WithLabelValues(name)
}
func (p *WorkqueueProvider) NewAddsMetric(name string) workqueue.CounterMetric {
	return p.adds.WithLabelValues(name)
}
func (p *WorkqueueProvider) NewLatencyMetric(name string) workqueue.HistogramMetric {
	return p.latency.WithLabelValues(name)
}
func (p *WorkqueueProvider) NewWorkDurationMetric(name string) workqueue.HistogramMetric {
	return p.workDuration.WithLabelValues(name)
}
func (p *WorkqueueProvider) NewUnfinishedWorkSecondsMetric(name string) workqueue.SettableGaugeMetric {
	return p.unfinishedWork.WithLabelValues(name)
}
func (p *WorkqueueProvider) NewLongestRunningProcessorSecondsMetric(name string) workqueue.SettableGaugeMetric {
	return p.longestRunningProcessor.WithLabelValues(name)
}
func (p *WorkqueueProvider) NewRetriesMetric(name string) workqueue.CounterMetric {
	return p.retries.WithLabelValues(name)
}

// client-go's request metrics are process-global: the first registration wins.
var (
	clientMetricsOnce sync.Once
	requestLatency    = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Subsystem: "rest_client", Name: "request_duration_seconds",
		Help:    "Latency of the controller's requests to the Kubernetes API, by verb.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	}, []string{"verb"})
	rateLimiterLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Subsystem: "rest_client", Name: "rate_limiter_duration_seconds",
		Help:    "Time the controller's requests waited for its own client-side rate limit (--kube-api-qps, --kube-api-burst), by verb.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	}, []string{"verb"})
	requestResults = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: "rest_client", Name: "requests_total",
		Help: "Requests the controller made to the Kubernetes API, by method and status code.",
	}, []string{"code", "method"})
)

// RegisterClientGoMetrics sends client-go's request metrics to reg. Only the
// first call in a process has an effect on client-go; every registry passed
// gets the collectors.
func RegisterClientGoMetrics(reg prometheus.Registerer) {
	clientMetricsOnce.Do(func() {
		clientmetrics.Register(clientmetrics.RegisterOpts{
			RequestLatency:     latencyAdapter{requestLatency},
			RateLimiterLatency: latencyAdapter{rateLimiterLatency},
			RequestResult:      resultAdapter{requestResults},
		})
	})
	for _, c := range []prometheus.Collector{requestLatency, rateLimiterLatency, requestResults} {
		if err := reg.Register(c); err != nil {
			if _, dup := err.(prometheus.AlreadyRegisteredError); !dup {
				panic(err)
			}
		}
	}
}

type latencyAdapter struct{ m *prometheus.HistogramVec }

func (a latencyAdapter) Observe(_ context.Context, verb string, _ url.URL, latency time.Duration) {
	a.m.WithLabelValues(verb).Observe(latency.Seconds())
}

type resultAdapter struct{ m *prometheus.CounterVec }

func (a resultAdapter) Increment(_ context.Context, code, method, _ string) {
	a.m.WithLabelValues(code, method).Inc()
}

// NewLeaderGauge registers vmsnap_leader: 1 while this replica leads (or
// runs without leader election), 0 while it waits.
func NewLeaderGauge(reg prometheus.Registerer) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "leader",
		Help: "1 while this replica leads and runs the controllers, 0 while it waits for the lease.",
	})
	reg.MustRegister(g)
	return g
}

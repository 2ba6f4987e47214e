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
	"io"
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

const (
	requestsMetric     = "vmsnap_rest_client_requests_total"
	queueAddsMetric    = "vmsnap_workqueue_adds_total"
	throttleMetric     = "vmsnap_rest_client_rate_limiter_duration_seconds"
	queueWaitMetric    = "vmsnap_workqueue_queue_duration_seconds"
	requestTimeMetric  = "vmsnap_rest_client_request_duration_seconds"
	goHeapInuseMetric  = "go_memstats_heap_inuse_bytes"
	conflictStatusCode = "409"
)

// writeMethods are the HTTP methods that change something on the apiserver.
var writeMethods = []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// metricsPage is one scrape of the controller's /metrics.
type metricsPage map[string]*dto.MetricFamily

func parseMetrics(r io.Reader) (metricsPage, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(r)
	return metricsPage(families), err
}

// series returns the series of name whose labels match every pair of
// match, each with its labels.
func (p metricsPage) series(name string, match map[string]string) ([]*dto.Metric, []map[string]string) {
	family := p[name]
	if family == nil {
		return nil, nil
	}
	var metrics []*dto.Metric
	var labelSets []map[string]string
	for _, m := range family.GetMetric() {
		labels := map[string]string{}
		for _, pair := range m.GetLabel() {
			labels[pair.GetName()] = pair.GetValue()
		}
		if matches(labels, match) {
			metrics, labelSets = append(metrics, m), append(labelSets, labels)
		}
	}
	return metrics, labelSets
}

// sumBy adds up the counter or gauge name by the value of label, over the
// series whose labels match every pair of match.
func (p metricsPage) sumBy(name, label string, match map[string]string) map[string]float64 {
	out := map[string]float64{}
	metrics, labelSets := p.series(name, match)
	for i, m := range metrics {
		value := m.GetCounter().GetValue()
		if m.GetGauge() != nil {
			value = m.GetGauge().GetValue()
		}
		out[labelSets[i][label]] += value
	}
	return out
}

// histogramSum is the sum of the observations of every series of the
// histogram name.
func (p metricsPage) histogramSum(name string) float64 {
	var total float64
	metrics, _ := p.series(name, nil)
	for _, m := range metrics {
		total += m.GetHistogram().GetSampleSum()
	}
	return total
}

// buckets adds up the cumulative buckets of the histogram name by upper
// bound, over the series whose labels match.
func (p metricsPage) buckets(name string, match map[string]string) map[float64]float64 {
	out := map[float64]float64{}
	metrics, _ := p.series(name, match)
	for _, m := range metrics {
		for _, b := range m.GetHistogram().GetBucket() {
			out[b.GetUpperBound()] += float64(b.GetCumulativeCount())
		}
	}
	return out
}

// quantileBetween estimates the q-quantile of the observations of the
// histogram name made between two scrapes, interpolating linearly inside a
// bucket as Prometheus does; 0 when there were none.
func quantileBetween(before, after metricsPage, name string, match map[string]string, q float64) float64 {
	a, b := after.buckets(name, match), before.buckets(name, match)
	bounds := slices.Sorted(maps.Keys(a))
	if len(bounds) == 0 {
		return 0
	}
	total := a[bounds[len(bounds)-1]] - b[bounds[len(bounds)-1]]
	if total <= 0 {
		return 0
	}
	rank := q * total
	lower, below := 0.0, 0.0
	for _, upper := range bounds {
		count := a[upper] - b[upper]
		if count >= rank {
			if math.IsInf(upper, 1) {
				return lower
			}
			return lower + (upper-lower)*(rank-below)/max(count-below, 1e-9)
		}
		lower, below = upper, count
	}
	return lower
}

// value is the sum of every series of name.
func (p metricsPage) value(name string) float64 {
	var total float64
	for _, v := range p.sumBy(name, "", nil) {
		total += v
	}
	return total
}

func matches(labels, match map[string]string) bool {
	for k, v := range match {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// Requests counts the controller's API requests over a window.
type Requests struct {
	ByMethod  map[string]float64 `json:"byMethod"`
	Total     float64            `json:"total"`
	Writes    float64            `json:"writes"`
	Conflicts float64            `json:"conflicts"`
	// ThrottledSeconds is the time requests waited, summed over requests,
	// for the controller's own client-side rate limit.
	ThrottledSeconds float64 `json:"throttledSeconds"`
}

// requestsBetween is what the controller asked of the apiserver between
// two scrapes.
func requestsBetween(before, after metricsPage) Requests {
	r := Requests{ByMethod: subtract(after.sumBy(requestsMetric, "method", nil), before.sumBy(requestsMetric, "method", nil))}
	for method, n := range r.ByMethod {
		r.Total += n
		for _, w := range writeMethods {
			if method == w {
				r.Writes += n
			}
		}
	}
	conflict := map[string]string{"code": conflictStatusCode}
	r.Conflicts = after.sumBy(requestsMetric, "code", conflict)[conflictStatusCode] - before.sumBy(requestsMetric, "code", conflict)[conflictStatusCode]
	r.ThrottledSeconds = after.histogramSum(throttleMetric) - before.histogramSum(throttleMetric)
	return r
}

// perObject divides every count by n.
func (r Requests) perObject(n int) Requests {
	if n == 0 {
		return Requests{}
	}
	per := Requests{ByMethod: map[string]float64{}, Total: r.Total / float64(n), Writes: r.Writes / float64(n), Conflicts: r.Conflicts / float64(n),
		ThrottledSeconds: r.ThrottledSeconds / float64(n)}
	for k, v := range r.ByMethod {
		per.ByMethod[k] = v / float64(n)
	}
	return per
}

// queueAddsBetween is how many keys each workqueue took in between two scrapes.
func queueAddsBetween(before, after metricsPage) map[string]float64 {
	return subtract(after.sumBy(queueAddsMetric, "name", nil), before.sumBy(queueAddsMetric, "name", nil))
}

// subtract returns after - before per key, leaving out keys that did not change.
func subtract(after, before map[string]float64) map[string]float64 {
	out := maps.Clone(after)
	for k := range out {
		out[k] -= before[k]
		if out[k] == 0 {
			delete(out, k)
		}
	}
	return out
}

// methodsString renders counts as "GET 1.0, PATCH 2.0" in a stable order.
func methodsString(byMethod map[string]float64, format func(float64) string) string {
	known := []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
	methods := slices.Sorted(maps.Keys(byMethod))
	slices.SortStableFunc(methods, func(a, b string) int { return rank(known, a) - rank(known, b) })
	parts := make([]string, 0, len(methods))
	for _, m := range methods {
		parts = append(parts, m+" "+format(byMethod[m]))
	}
	return strings.Join(parts, ", ")
}

// rank is the index of s in list, or len(list) if absent.
func rank(list []string, s string) int {
	if i := slices.Index(list, s); i >= 0 {
		return i
	}
	return len(list)
}

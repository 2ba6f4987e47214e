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
	"math"
	"reflect"
	"strings"
	"testing"
)

const pageBefore = `# TYPE vmsnap_rest_client_requests_total counter
vmsnap_rest_client_requests_total{code="200",method="GET"} 10
vmsnap_rest_client_requests_total{code="201",method="POST"} 4
vmsnap_rest_client_requests_total{code="409",method="PUT"} 1
# TYPE vmsnap_workqueue_adds_total counter
vmsnap_workqueue_adds_total{name="vmsnapshot"} 5
vmsnap_workqueue_adds_total{name="restore"} 2
`

const pageAfter = `# TYPE vmsnap_rest_client_requests_total counter
vmsnap_rest_client_requests_total{code="200",method="GET"} 10
vmsnap_rest_client_requests_total{code="201",method="POST"} 24
vmsnap_rest_client_requests_total{code="200",method="PUT"} 10
vmsnap_rest_client_requests_total{code="409",method="PUT"} 3
vmsnap_rest_client_requests_total{code="200",method="PATCH"} 10
# TYPE vmsnap_workqueue_adds_total counter
vmsnap_workqueue_adds_total{name="vmsnapshot"} 25
vmsnap_workqueue_adds_total{name="restore"} 2
`

func mustParse(t *testing.T, text string) metricsPage {
	t.Helper()
	page, err := parseMetrics(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return page
}

func TestRequestsBetween(t *testing.T) {
	got := requestsBetween(mustParse(t, pageBefore), mustParse(t, pageAfter))
	want := Requests{
		ByMethod:  map[string]float64{"POST": 20, "PUT": 12, "PATCH": 10},
		Total:     42,
		Writes:    42,
		Conflicts: 2,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("requestsBetween = %+v, want %+v", got, want)
	}
	per := got.perObject(10)
	if per.Writes != 4.2 || per.ByMethod["POST"] != 2 || per.Conflicts != 0.2 {
		t.Errorf("perObject(10) = %+v", per)
	}
	if s := methodsString(per.ByMethod, func(v float64) string { return "x" }); s != "POST x, PUT x, PATCH x" {
		t.Errorf("methodsString = %q", s)
	}
}

func TestQueueAddsBetween(t *testing.T) {
	got := queueAddsBetween(mustParse(t, pageBefore), mustParse(t, pageAfter))
	if want := map[string]float64{"vmsnapshot": 20}; !reflect.DeepEqual(got, want) {
		t.Errorf("queueAddsBetween = %v, want %v", got, want)
	}
}

func TestQuantileBetween(t *testing.T) {
	const before = `# TYPE vmsnap_workqueue_queue_duration_seconds histogram
vmsnap_workqueue_queue_duration_seconds_bucket{name="a",le="0.01"} 10
vmsnap_workqueue_queue_duration_seconds_bucket{name="a",le="0.1"} 10
vmsnap_workqueue_queue_duration_seconds_bucket{name="a",le="1"} 10
vmsnap_workqueue_queue_duration_seconds_bucket{name="a",le="+Inf"} 10
vmsnap_workqueue_queue_duration_seconds_sum{name="a"} 0.05
vmsnap_workqueue_queue_duration_seconds_count{name="a"} 10
`
	// 100 more: 50 under 10ms, 40 in (10ms, 100ms], 10 in (100ms, 1s].
	const after = `# TYPE vmsnap_workqueue_queue_duration_seconds histogram
vmsnap_workqueue_queue_duration_seconds_bucket{name="a",le="0.01"} 60
vmsnap_workqueue_queue_duration_seconds_bucket{name="a",le="0.1"} 100
vmsnap_workqueue_queue_duration_seconds_bucket{name="a",le="1"} 110
vmsnap_workqueue_queue_duration_seconds_bucket{name="a",le="+Inf"} 110
vmsnap_workqueue_queue_duration_seconds_sum{name="a"} 3
vmsnap_workqueue_queue_duration_seconds_count{name="a"} 110
`
	b, a := mustParse(t, before), mustParse(t, after)
	match := map[string]string{"name": "a"}
	if got := quantileBetween(b, a, queueWaitMetric, match, 0.5); math.Abs(got-0.01) > 1e-9 {
		t.Errorf("median = %v, want 0.01 (the 50th of 100 is the last under 10ms)", got)
	}
	if got := quantileBetween(b, a, queueWaitMetric, match, 0.95); math.Abs(got-0.55) > 1e-9 {
		t.Errorf("p95 = %v, want 0.55 (half-way through the (0.1, 1] bucket)", got)
	}
	if got := quantileBetween(b, b, queueWaitMetric, match, 0.99); got != 0 {
		t.Errorf("no observations: %v, want 0", got)
	}
}

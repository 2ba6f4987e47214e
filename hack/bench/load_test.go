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
	"reflect"
	"strings"
	"testing"
	"time"
)

const apiserverPage = `# HELP apiserver_current_inflight_requests [STABLE] Maximal number of currently used inflight request limit of this apiserver per request kind in last second.
# TYPE apiserver_current_inflight_requests gauge
apiserver_current_inflight_requests{request_kind="mutating"} 5
apiserver_current_inflight_requests{request_kind="readOnly"} 47
# HELP apiserver_current_inflight_requests_other something else
apiserver_current_inflight_requests_other 3
# HELP apiserver_request_duration_seconds a histogram
# TYPE apiserver_request_duration_seconds histogram
apiserver_request_duration_seconds_bucket{verb="GET",le="0.1"} 3
# TYPE apiserver_request_total counter
apiserver_request_total{code="201",group="snapshot.vmsnap.io",resource="virtualmachinesnapshots",subresource="",verb="POST"} 20
apiserver_request_total{code="200",group="snapshot.vmsnap.io",resource="virtualmachinesnapshots",subresource="status",verb="PUT"} 7
apiserver_request_total{code="200",group="",resource="pods",subresource="",verb="LIST"} 4
`

func TestFilterFamilies(t *testing.T) {
	r, err := filterFamilies(strings.NewReader(apiserverPage), apiserverRequestsMetric, apiserverInflightMetric)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, gone := range []string{"_other", "duration"} {
		if strings.Contains(text, gone) {
			t.Errorf("filtered page keeps %q:\n%s", gone, text)
		}
	}
	page := mustParse(t, text)
	if got, want := page.sumBy(apiserverRequestsMetric, "verb", nil), map[string]float64{"POST": 20, "PUT": 7, "LIST": 4}; !reflect.DeepEqual(got, want) {
		t.Errorf("requests by verb %v, want %v", got, want)
	}
	if got, want := page.sumBy(apiserverInflightMetric, "request_kind", nil), map[string]float64{"mutating": 5, "readOnly": 47}; !reflect.DeepEqual(got, want) {
		t.Errorf("in-flight %v, want %v", got, want)
	}
}

func TestLoadSummary(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	sample := func(s float64, get, post, inflight, controller float64) loadSample {
		return loadSample{
			At:               t0.Add(time.Duration(s * float64(time.Second))),
			Requests:         map[string]float64{"GET": get, "POST": post},
			WritesByResource: map[string]float64{"snapshot.vmsnap.io/virtualmachinesnapshots": post},
			Inflight:         map[string]float64{"readOnly": inflight, "mutating": inflight / 2},
			ControllerWrites: controller,
		}
	}
	l := loadSamples{list: []loadSample{
		sample(0, 100, 10, 90, 0), // its gauge is of the second before
		sample(1, 110, 10, 4, 0),
		sample(2, 130, 70, 30, 50),
		sample(4, 140, 90, 8, 60),
	}}
	got := l.summary()
	want := &APIServerLoad{
		Seconds: 4, Samples: 4, Requests: 120, Writes: 80,
		PeakRequestsPerSecond: 80, PeakWritesPerSecond: 60,
		MeanRequestsPerSecond: 30, MeanWritesPerSecond: 20,
		PeakInflightReadOnly: 30, PeakInflightMutating: 15,
		WritesByResource: map[string]float64{"snapshot.vmsnap.io/virtualmachinesnapshots": 80},
		ControllerWrites: 60, ControllerPeakWritesPerSecond: 50,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("summary\n got %+v\nwant %+v", got, want)
	}

	// The window from t0+1.5s starts with the sample before it.
	if got := l.between(t0.Add(1500*time.Millisecond), time.Time{}); len(got.list) != 3 || !got.list[0].At.Equal(t0.Add(time.Second)) {
		t.Errorf("between(1.5s, open) = %d samples from %v", len(got.list), got.list[0].At)
	}
	if got := l.between(time.Time{}, t0.Add(2*time.Second)); len(got.list) != 3 {
		t.Errorf("between(open, 2s) = %d samples, want 3", len(got.list))
	}
	if (loadSamples{list: l.list[:1]}).summary() != nil {
		t.Error("one sample gave a summary")
	}
}

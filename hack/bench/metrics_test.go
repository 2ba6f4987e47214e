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

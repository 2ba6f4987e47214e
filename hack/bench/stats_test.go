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
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	got := summarize(ds)
	want := Distribution{Count: 100, Median: 50, P90: 90, P95: 95, P99: 99, Max: 100}
	if got != want {
		t.Errorf("summarize(1..100 ms) = %+v, want %+v", got, want)
	}
	if ds[0] != 100*time.Millisecond {
		t.Error("summarize sorted its input")
	}
}

func TestPercentileOfFewValues(t *testing.T) {
	sorted := []time.Duration{10, 20, 30}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 20}, {90, 30}, {99, 30}, {1, 10}} {
		if got := percentile(sorted, tc.p); got != tc.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", sorted, tc.p, got, tc.want)
		}
	}
}

func TestSummarizeEmpty(t *testing.T) {
	if got := summarize(nil); got != (Distribution{}) {
		t.Errorf("summarize(nil) = %+v, want zero", got)
	}
}

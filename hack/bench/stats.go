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
	"slices"
	"time"
)

// Distribution summarises durations in milliseconds.
type Distribution struct {
	Count  int     `json:"count"`
	Median float64 `json:"medianMs"`
	P90    float64 `json:"p90Ms"`
	P95    float64 `json:"p95Ms"`
	P99    float64 `json:"p99Ms"`
	Max    float64 `json:"maxMs"`
}

// summarize returns the distribution of ds; the zero Distribution if empty.
func summarize(ds []time.Duration) Distribution {
	if len(ds) == 0 {
		return Distribution{}
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	return Distribution{
		Count:  len(sorted),
		Median: ms(percentile(sorted, 50)),
		P90:    ms(percentile(sorted, 90)),
		P95:    ms(percentile(sorted, 95)),
		P99:    ms(percentile(sorted, 99)),
		Max:    ms(sorted[len(sorted)-1]),
	}
}

// percentile is the nearest-rank percentile p (0 < p <= 100) of sorted,
// which must not be empty: the smallest value that at least p percent of
// the values do not exceed.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(float64(len(sorted))*p/100 + 0.999999)
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

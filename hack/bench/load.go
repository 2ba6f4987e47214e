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
	"bufio"
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

const (
	// loadInterval is how often the API server's and the controller's
	// metrics are scraped while the load is sampled. Each apiserver scrape
	// is itself one GET of a page of ≈ 3 MB.
	loadInterval    = time.Second
	loadScrapeLimit = 30 * time.Second

	apiserverRequestsMetric = "apiserver_request_total"
	// apiserverInflightMetric is, per request kind (readOnly, mutating),
	// the most requests the API server was executing at once during the
	// last second.
	apiserverInflightMetric = "apiserver_current_inflight_requests"
)

// apiserverWriteVerbs are the verbs of apiserver_request_total that change
// something.
var apiserverWriteVerbs = []string{"POST", "PUT", "PATCH", "DELETE", "APPLY", "DELETECOLLECTION"}

// APIServerLoad is what the API server served over a window, from its own
// metrics scraped every loadInterval, and the controller's share of the
// writes, from its client metrics scraped at the same moments.
type APIServerLoad struct {
	Seconds float64 `json:"seconds"`
	Samples int     `json:"samples"`
	// Requests and Writes are every client's, the benchmark's included.
	Requests float64 `json:"requests"`
	Writes   float64 `json:"writes"`
	// Peaks are the highest rates between two consecutive scrapes.
	PeakRequestsPerSecond float64 `json:"peakRequestsPerSecond"`
	PeakWritesPerSecond   float64 `json:"peakWritesPerSecond"`
	MeanRequestsPerSecond float64 `json:"meanRequestsPerSecond"`
	MeanWritesPerSecond   float64 `json:"meanWritesPerSecond"`
	// PeakInflight* are the highest apiserver_current_inflight_requests
	// seen (each scrape's value is the maximum of its last second).
	PeakInflightReadOnly float64 `json:"peakInflightReadOnly"`
	PeakInflightMutating float64 `json:"peakInflightMutating"`
	// WritesByResource are the writes per group/resource[/subresource].
	WritesByResource map[string]float64 `json:"writesByResource,omitempty"`
	// The controller's own writes (vmsnap_rest_client_requests_total).
	ControllerWrites              float64 `json:"controllerWrites"`
	ControllerPeakWritesPerSecond float64 `json:"controllerPeakWritesPerSecond"`
	ScrapeErrors                  int     `json:"scrapeErrors,omitempty"`
}

// loadSample is one scrape: cumulative counters, and the in-flight gauge.
type loadSample struct {
	At               time.Time
	Requests         map[string]float64 // by verb
	WritesByResource map[string]float64
	Inflight         map[string]float64 // by request_kind
	ControllerWrites float64
}

// loadSamples are the scrapes of a window, oldest first.
type loadSamples struct {
	list         []loadSample
	scrapeErrors int
}

// loadSampler scrapes every loadInterval until stopped.
type loadSampler struct {
	b       *bench
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{}
	once    sync.Once
	samples loadSamples
}

// startLoadSampler takes a first sample, then one every loadInterval until
// stop, which takes a last one.
func (b *bench) startLoadSampler(ctx context.Context) *loadSampler {
	loopCtx, cancel := context.WithCancel(ctx)
	s := &loadSampler{b: b, ctx: ctx, cancel: cancel, done: make(chan struct{})}
	s.take(ctx)
	go func() {
		defer close(s.done)
		ticker := time.NewTicker(loadInterval)
		defer ticker.Stop()
		for {
			select {
			case <-loopCtx.Done():
				return
			case <-ticker.C:
				s.take(loopCtx)
			}
		}
	}()
	return s
}

func (s *loadSampler) take(ctx context.Context) {
	sample, err := s.b.sampleLoad(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.samples.scrapeErrors++
		}
		return
	}
	s.samples.list = append(s.samples.list, sample)
}

// stop ends the sampling with a last sample; it may be called again.
func (s *loadSampler) stop() loadSamples {
	s.once.Do(func() {
		s.cancel()
		<-s.done
		if s.ctx.Err() == nil {
			s.take(s.ctx)
		}
	})
	return s.samples
}

// sampleLoad scrapes the API server's request counters and in-flight gauge
// and the controller's writes.
func (b *bench) sampleLoad(ctx context.Context) (loadSample, error) {
	ctx, cancel := context.WithTimeout(ctx, loadScrapeLimit)
	defer cancel()
	start := time.Now()
	body, err := b.env.scraper.CoreV1().RESTClient().Get().AbsPath("/metrics").SetHeader("Accept", "text/plain").Stream(ctx)
	if err != nil {
		return loadSample{}, err
	}
	filtered, err := filterFamilies(body, apiserverRequestsMetric, apiserverInflightMetric)
	body.Close()
	if err != nil {
		return loadSample{}, err
	}
	// The counters were read somewhere within the call.
	at := start.Add(time.Since(start) / 2)
	page, err := parseMetrics(filtered)
	if err != nil {
		return loadSample{}, err
	}
	controller, err := b.env.controller.scrape(ctx)
	if err != nil {
		return loadSample{}, err
	}
	s := loadSample{
		At:               at,
		Requests:         page.sumBy(apiserverRequestsMetric, "verb", nil),
		Inflight:         page.sumBy(apiserverInflightMetric, "request_kind", nil),
		WritesByResource: map[string]float64{},
	}
	metrics, labelSets := page.series(apiserverRequestsMetric, nil)
	for i, m := range metrics {
		labels := labelSets[i]
		if !slices.Contains(apiserverWriteVerbs, labels["verb"]) {
			continue
		}
		resource := labels["resource"]
		if labels["group"] != "" {
			resource = labels["group"] + "/" + resource
		}
		if labels["subresource"] != "" {
			resource += "/" + labels["subresource"]
		}
		s.WritesByResource[resource] += m.GetCounter().GetValue()
	}
	for method, n := range controller.sumBy(requestsMetric, "method", nil) {
		if slices.Contains(writeMethods, method) {
			s.ControllerWrites += n
		}
	}
	return s, nil
}

// filterFamilies keeps, of a Prometheus text page, only the samples and
// the HELP and TYPE lines of the named metric families: the API server's
// page is megabytes, of which the load needs a few lines.
func filterFamilies(r io.Reader, names ...string) (io.Reader, error) {
	var out bytes.Buffer
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 64<<10), 4<<20)
	for scanner.Scan() {
		line := scanner.Text()
		name := line
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name = rest
		} else if rest, ok := strings.CutPrefix(line, "# HELP "); ok {
			name = rest
		} else if strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.IndexAny(name, "{ "); i >= 0 {
			name = name[:i]
		}
		if slices.Contains(names, name) {
			out.WriteString(line)
			out.WriteByte('\n')
		}
	}
	return &out, scanner.Err()
}

// between keeps the samples of a window: from the last one taken at or
// before from (so that the first interval covers from) to the last one at
// or before to. A zero from or to leaves that end open.
func (l loadSamples) between(from, to time.Time) loadSamples {
	out := loadSamples{scrapeErrors: l.scrapeErrors}
	start := 0
	if !from.IsZero() {
		for i, s := range l.list {
			if !s.At.After(from) {
				start = i
			}
		}
	}
	for _, s := range l.list[start:] {
		if !to.IsZero() && s.At.After(to) {
			break
		}
		out.list = append(out.list, s)
	}
	return out
}

// summary turns the samples into rates and peaks; nil with fewer than two.
func (l loadSamples) summary() *APIServerLoad {
	if len(l.list) < 2 {
		return nil
	}
	first, last := l.list[0], l.list[len(l.list)-1]
	a := &APIServerLoad{
		Seconds:          last.At.Sub(first.At).Seconds(),
		Samples:          len(l.list),
		Requests:         total(last.Requests) - total(first.Requests),
		Writes:           writesOf(last.Requests) - writesOf(first.Requests),
		WritesByResource: subtract(last.WritesByResource, first.WritesByResource),
		ControllerWrites: last.ControllerWrites - first.ControllerWrites,
		ScrapeErrors:     l.scrapeErrors,
	}
	for i := 1; i < len(l.list); i++ {
		prev, cur := l.list[i-1], l.list[i]
		// The gauge of the first sample tells of the second before the window.
		a.PeakInflightReadOnly = max(a.PeakInflightReadOnly, cur.Inflight["readOnly"])
		a.PeakInflightMutating = max(a.PeakInflightMutating, cur.Inflight["mutating"])
		dt := cur.At.Sub(prev.At).Seconds()
		if dt <= 0 {
			continue
		}
		a.PeakRequestsPerSecond = max(a.PeakRequestsPerSecond, (total(cur.Requests)-total(prev.Requests))/dt)
		a.PeakWritesPerSecond = max(a.PeakWritesPerSecond, (writesOf(cur.Requests)-writesOf(prev.Requests))/dt)
		a.ControllerPeakWritesPerSecond = max(a.ControllerPeakWritesPerSecond, (cur.ControllerWrites-prev.ControllerWrites)/dt)
	}
	if a.Seconds > 0 {
		a.MeanRequestsPerSecond = a.Requests / a.Seconds
		a.MeanWritesPerSecond = a.Writes / a.Seconds
	}
	return a
}

func total(byVerb map[string]float64) float64 {
	var n float64
	for _, v := range byVerb {
		n += v
	}
	return n
}

func writesOf(byVerb map[string]float64) float64 {
	var n float64
	for verb, v := range byVerb {
		if slices.Contains(apiserverWriteVerbs, verb) {
			n += v
		}
	}
	return n
}

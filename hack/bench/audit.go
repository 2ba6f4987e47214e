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
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// APIWrites are every client's writes the API server answered while a
// workload ran (from its start to its last object done), counted from the
// audit log. On a machine where the API server is the bottleneck, the
// workload's writes against the floor's are what its wall time against the
// floor's should be, if every write cost the same.
type APIWrites struct {
	Total int `json:"total"`
	// ByComponent is keyed by the client's user agent up to its first "/"
	// (vmsnap-controller, snapshot-controller, csi-snapshotter, ...).
	ByComponent map[string]int `json:"byComponent"`
	// ByRequest is keyed by component, verb and resource, such as
	// "vmsnap-controller update virtualmachines/status": which of a
	// component's writes a workload's count is made of.
	ByRequest map[string]int `json:"byRequest"`
}

// auditEvent is the part of an audit.k8s.io/v1 Event the count needs.
type auditEvent struct {
	Stage     string    `json:"stage"`
	Verb      string    `json:"verb"`
	UserAgent string    `json:"userAgent"`
	Received  time.Time `json:"requestReceivedTimestamp"`
	ObjectRef struct {
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
	} `json:"objectRef"`
}

// request names what an event wrote, by whom: its ByRequest key.
func (e *auditEvent) request(component string) string {
	resource := e.ObjectRef.Resource
	if e.ObjectRef.Subresource != "" {
		resource += "/" + e.ObjectRef.Subresource
	}
	return component + " " + e.Verb + " " + resource
}

var writeVerbs = map[string]bool{"create": true, "update": true, "patch": true, "delete": true, "deletecollection": true}

// countAuditWrites reads the audit log at path once and sets APIWrites of
// every workload that has a start time.
func countAuditWrites(path string, workloads []Workload) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return countWrites(f, workloads)
}

func countWrites(r io.Reader, workloads []Workload) error {
	for i := range workloads {
		if !workloads[i].Started.IsZero() {
			workloads[i].APIWrites = &APIWrites{ByComponent: map[string]int{}, ByRequest: map[string]int{}}
		}
	}
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for line := 1; scanner.Scan(); line++ {
		var e auditEvent
		if err := json.Unmarshal(scanner.Bytes(), &e); err != nil {
			return fmt.Errorf("audit log line %d: %w", line, err)
		}
		// One event per request: the answer (or a panic), not its receipt.
		answered := e.Stage == "ResponseComplete" || e.Stage == "Panic"
		if !answered || !writeVerbs[e.Verb] {
			continue
		}
		component, _, _ := strings.Cut(e.UserAgent, "/")
		for i := range workloads {
			w := &workloads[i]
			if w.APIWrites == nil || e.Received.Before(w.Started) || e.Received.After(w.finished()) {
				continue
			}
			w.APIWrites.Total++
			w.APIWrites.ByComponent[component]++
			w.APIWrites.ByRequest[e.request(component)]++
		}
	}
	return scanner.Err()
}

// finished is when the workload's last object was done.
func (w *Workload) finished() time.Time {
	return w.Started.Add(time.Duration(w.WallSeconds * float64(time.Second)))
}

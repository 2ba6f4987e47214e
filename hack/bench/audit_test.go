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
	"bytes"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"
)

func auditLine(stage, verb, userAgent string, at time.Time) string {
	return auditLineOf(stage, verb, userAgent, "volumesnapshots", "", at)
}

func auditLineOf(stage, verb, userAgent, resource, subresource string, at time.Time) string {
	return fmt.Sprintf(`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","stage":%q,"verb":%q,"userAgent":%q,`+
		`"objectRef":{"resource":%q,"subresource":%q,"namespace":"ns","name":"x"},"requestReceivedTimestamp":%q}`,
		stage, verb, userAgent, resource, subresource, at.UTC().Format(time.RFC3339Nano))
}

func TestCountWritesPerWorkloadWindow(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 17, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	lines := []string{
		auditLine("ResponseComplete", "create", "vmsnap-bench/v0.0.0 (linux/amd64)", at(0.5)),                                   // before both
		auditLine("ResponseComplete", "create", "vmsnap-bench/v0.0.0 (linux/amd64)", at(1)),                                     // floor
		auditLine("ResponseComplete", "patch", "csi-snapshotter/v8.4.0 (linux/amd64)", at(2)),                                   // floor
		auditLine("ResponseStarted", "patch", "csi-snapshotter/v8.4.0 (linux/amd64)", at(2.5)),                                  // not an answer
		auditLine("ResponseComplete", "get", "snapshot-controller/v8.4.0 (linux/amd64)", at(2.5)),                               // not a write
		auditLine("ResponseComplete", "delete", "vmsnap-bench/v0.0.0 (linux/amd64)", at(4)),                                     // between: floor's cleanup
		auditLineOf("ResponseComplete", "update", "vmsnap-controller/v0.0.0 (linux/amd64)", "virtualmachines", "status", at(5)), // stopped
		auditLine("Panic", "update", "snapshot-controller/v8.4.0 (linux/amd64)", at(6)),                                         // stopped
		auditLine("ResponseComplete", "update", "kube-controller-manager/v1.37.2 (linux/amd64)", at(7)),                         // stopped, end
		auditLine("ResponseComplete", "deletecollection", "vmsnap-controller/v0.0.0 (linux/amd64)", at(7.5)),                    // after
	}
	workloads := []Workload{
		{Name: "csi-floor", Objects: 2, Started: at(1), WallSeconds: 2},
		{Name: "snapshot-stopped", Objects: 1, Started: at(5), WallSeconds: 2},
		{Name: "schedule-run", Objects: 1, WallSeconds: 30}, // no start: not counted
	}
	if err := countWrites(strings.NewReader(strings.Join(lines, "\n")+"\n"), workloads); err != nil {
		t.Fatal(err)
	}
	for i, want := range []map[string]int{
		{"vmsnap-bench": 1, "csi-snapshotter": 1},
		{"vmsnap-controller": 1, "snapshot-controller": 1, "kube-controller-manager": 1},
	} {
		got := workloads[i].APIWrites
		if got == nil || got.Total != 2+i || !maps.Equal(got.ByComponent, want) {
			t.Errorf("%s: writes %+v, want %d by %v", workloads[i].Name, got, 2+i, want)
		}
	}
	wantRequests := map[string]int{
		"vmsnap-controller update virtualmachines/status": 1,
		"snapshot-controller update volumesnapshots":      1,
		"kube-controller-manager update volumesnapshots":  1,
	}
	if got := workloads[1].APIWrites; got != nil && !maps.Equal(got.ByRequest, wantRequests) {
		t.Errorf("snapshot-stopped: writes by request %v, want %v", got.ByRequest, wantRequests)
	}
	if workloads[2].APIWrites != nil {
		t.Errorf("a workload without a start got writes %+v", workloads[2].APIWrites)
	}

	var out bytes.Buffer
	printAPIWrites(&out, &Report{Workloads: workloads})
	if !strings.Contains(out.String(), "snapshot-stopped") || !strings.Contains(out.String(), "1.50") {
		t.Errorf("the table does not show the stopped workload's 3 writes as 1.50 x the floor's 2:\n%s", out.String())
	}
}

func TestCountWritesRefusesABrokenLog(t *testing.T) {
	workloads := []Workload{{Name: "csi-floor", Objects: 1, Started: time.Now(), WallSeconds: 1}}
	if err := countWrites(strings.NewReader("{not json\n"), workloads); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("countWrites on a broken line = %v, want an error naming line 1", err)
	}
}

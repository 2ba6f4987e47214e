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

package schedule

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/framework"
)

const (
	runsMetric        = "vmsnap_schedule_runs_total"
	lastSuccessMetric = "vmsnap_vm_last_successful_snapshot_timestamp_seconds"
	objectiveMetric   = "vmsnap_vm_recovery_point_objective_seconds"
)

// TestScheduleRecoveryPointMetrics: the controller reports, for every VM a
// schedule selects, the cut of its newest Ready snapshot and its recovery
// point objective; it counts the runs it took; and a VM the schedule no
// longer selects has no series left.
func TestScheduleRecoveryPointMetrics(t *testing.T) {
	f := framework.New(t)
	const name = "metrics"
	selected := map[string]string{"backup": "metrics"}
	vms := []string{"db", "web"}
	for _, vm := range vms {
		f.CreateVM(vm, framework.WithPVCDisks(1), framework.WithLabels(selected))
	}
	takenBefore := scrapeValue(t, f, runsMetric, map[string]string{"result": "taken"})

	// Twice the longest interval, the snapshots' failureDeadline and no
	// spread: 2×6s + 2m.
	f.CreateSchedule(name, "@every 6s", selected, func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) {
		s.Spread = &metav1.Duration{}
		s.Template.FailureDeadline = &metav1.Duration{Duration: 2 * time.Minute}
	})
	const objective = 132.0
	f.WaitForSchedule(name, "a Ready snapshot of every VM", time.Minute, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		if len(s.Status.VirtualMachines) != len(vms) {
			return false
		}
		for _, e := range s.Status.VirtualMachines {
			if e.LastSuccessfulSnapshotName == "" {
				return false
			}
		}
		return true
	})
	if taken := scrapeValue(t, f, runsMetric, map[string]string{"result": "taken"}); taken < takenBefore+float64(len(vms)) {
		t.Errorf("%s{result=\"taken\"} is %v after a run over %d VMs; it was %v before", runsMetric, taken, len(vms), takenBefore)
	}
	// No more runs: the newest Ready snapshot of each VM stays the newest.
	f.UpdateSchedule(name, func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) { s.Suspend = ptr.To(true) })

	f.Eventually("/metrics of the controller", "each VM's newest Ready cut and its objective", time.Minute, func(ctx context.Context) (bool, string, error) {
		page, err := scrape(ctx, f)
		if err != nil {
			return false, "", err
		}
		newest := newestReadyCuts(f.ScheduledSnapshots(name))
		var seen []string
		ok := true
		for _, vm := range vms {
			labels := map[string]string{"namespace": f.Namespace, "vm": vm}
			last, hasLast := page.value(lastSuccessMetric, labels)
			obj, hasObj := page.value(objectiveMetric, labels)
			want, hasReady := newest[vm]
			seen = append(seen, fmt.Sprintf("%s: last success %v (present %v, newest Ready cut %d), objective %v (present %v)", vm, last, hasLast, want.Unix(), obj, hasObj))
			ok = ok && hasLast && hasObj && hasReady && last == float64(want.Unix()) && obj == objective
		}
		return ok, strings.Join(seen, "; "), nil
	})

	// web is no longer selected: its series go, db's stay.
	f.UpdateVM("web", func(vm *kubevirtv1.VirtualMachine) { delete(vm.Labels, "backup") })
	f.Eventually("/metrics of the controller", "no series of VM web, db's still there", 30*time.Second, func(ctx context.Context) (bool, string, error) {
		page, err := scrape(ctx, f)
		if err != nil {
			return false, "", err
		}
		var seen []string
		ok := true
		for _, metric := range []string{lastSuccessMetric, objectiveMetric} {
			for _, vm := range vms {
				v, present := page.value(metric, map[string]string{"namespace": f.Namespace, "vm": vm})
				seen = append(seen, fmt.Sprintf("%s{vm=%q}: present %v (%v)", metric, vm, present, v))
				ok = ok && present == (vm == "db")
			}
		}
		return ok, strings.Join(seen, "; "), nil
	})
}

// newestReadyCuts maps each VM to the cut of its newest Ready snapshot.
func newestReadyCuts(snaps []snapshotapi.VirtualMachineSnapshot) map[string]time.Time {
	out := map[string]time.Time{}
	newestRun := map[string]time.Time{}
	for _, s := range snaps {
		if s.Status.Phase != snapshotapi.SnapshotReady || s.Status.CreationTime == nil {
			continue
		}
		vm := s.Spec.Source.Name
		run := latestRun([]snapshotapi.VirtualMachineSnapshot{s})
		if run.Before(newestRun[vm]) {
			continue
		}
		newestRun[vm], out[vm] = run, s.Status.CreationTime.Time
	}
	return out
}

// metricsPage is one scrape of the controller's /metrics.
type metricsPage map[string]*dto.MetricFamily

// value is the value of the series of name whose labels include match;
// ok is false when there is none. Several matching series fail the match.
func (p metricsPage) value(name string, match map[string]string) (float64, bool) {
	family := p[name]
	if family == nil {
		return 0, false
	}
	var found []float64
	for _, m := range family.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		matches := true
		for k, v := range match {
			matches = matches && labels[k] == v
		}
		if !matches {
			continue
		}
		switch {
		case m.Gauge != nil:
			found = append(found, m.GetGauge().GetValue())
		case m.Counter != nil:
			found = append(found, m.GetCounter().GetValue())
		case m.Untyped != nil:
			found = append(found, m.GetUntyped().GetValue())
		}
	}
	if len(found) != 1 {
		return 0, false
	}
	return found[0], true
}

// scrapeValue is the value of one series of the controller's /metrics,
// which must be there.
func scrapeValue(t *testing.T, f *framework.Framework, name string, match map[string]string) float64 {
	t.Helper()
	var value float64
	f.Eventually("/metrics of the controller", fmt.Sprintf("a series %s%v", name, match), 30*time.Second, func(ctx context.Context) (bool, string, error) {
		page, err := scrape(ctx, f)
		if err != nil {
			return false, "", err
		}
		v, ok := page.value(name, match)
		value = v
		return ok, fmt.Sprintf("%d families, none of them %s%v", len(page), name, match), nil
	})
	return value
}

// scrape returns the in-process controller's /metrics page.
func scrape(ctx context.Context, f *framework.Framework) (metricsPage, error) {
	return scrapeURL(ctx, f.Controller.MetricsURL())
}

// scrapeURL reads a metrics page.
func scrapeURL(ctx context.Context, url string) (metricsPage, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	if families[runsMetric] == nil {
		return nil, fmt.Errorf("%s serves no %s", url, runsMetric)
	}
	return families, nil
}

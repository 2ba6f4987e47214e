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
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/schedule"
	"vmsnap.io/vmsnap/tests/framework"
)

// TestScheduleAdmissionRefusesMalformedSchedules: the API server refuses,
// with a message that says what is wrong, the schedules its CRD can tell
// are malformed.
func TestScheduleAdmissionRefusesMalformedSchedules(t *testing.T) {
	f := framework.New(t)
	long := strings.Repeat("a", 64)
	for _, tc := range []struct {
		name, manifest string
		// want are parts of kubectl's error, each of which it must say.
		want []string
	}{
		{"four fields", manifest("bad", `schedule: "0 * * *"`, `selector: {matchLabels: {backup: x}}`),
			[]string{"spec.schedule", "schedule must have five fields (minute hour day-of-month month day-of-week) or be a macro such as @daily"}},
		{"CRON_TZ in the schedule", manifest("bad", `schedule: "CRON_TZ=Europe/Berlin 0 3 * * *"`, `selector: {matchLabels: {backup: x}}`),
			[]string{"spec.schedule", "schedule must not name a time zone (CRON_TZ= or TZ=): use spec.timeZone"}},
		{"TZ in the schedule", manifest("bad", `schedule: "TZ=UTC 0 3 * * *"`, `selector: {matchLabels: {backup: x}}`),
			[]string{"spec.schedule", "schedule must not name a time zone"}},
		{"time zone with a space", manifest("bad", `schedule: "@daily"`, `timeZone: "Europe/Berlin Mitte"`, `selector: {matchLabels: {backup: x}}`),
			[]string{"spec.timeZone", "should match"}},
		{"time zone as a path", manifest("bad", `schedule: "@daily"`, `timeZone: "../etc/localtime"`, `selector: {matchLabels: {backup: x}}`),
			[]string{"spec.timeZone", "should match"}},
		{"negative spread", manifest("bad", `schedule: "@daily"`, `spread: "-5s"`, `selector: {matchLabels: {backup: x}}`),
			[]string{"spec.spread", "spread must be a duration between 0s and 1h"}},
		{"spread over an hour", manifest("bad", `schedule: "@daily"`, `spread: "61m"`, `selector: {matchLabels: {backup: x}}`),
			[]string{"spec.spread", "spread must be a duration between 0s and 1h"}},
		{"keep no snapshot", manifest("bad", `schedule: "@daily"`, `retention: {maxCount: 0}`, `selector: {matchLabels: {backup: x}}`),
			[]string{"spec.retention.maxCount", "greater than or equal to 1"}},
		{"name over 63 characters", manifest(long, `schedule: "@daily"`, `selector: {matchLabels: {backup: x}}`),
			[]string{"metadata.name must be at most 63 characters: it labels the snapshots the schedule takes"}},
		{"no selector", manifest("bad", `schedule: "@daily"`),
			[]string{"spec.selector: Required value"}},
		{"no schedule", manifest("bad", `selector: {matchLabels: {backup: x}}`),
			[]string{"spec.schedule: Required value"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "schedule.yaml")
			if err := os.WriteFile(path, []byte(tc.manifest), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := f.Kubectl("apply", "-f", path)
			if err == nil {
				t.Fatalf("kubectl apply accepted\n%s\nsaying %s", tc.manifest, out)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("kubectl apply refused\n%s\nsaying %v\nwhich does not say %q", tc.manifest, err, want)
				}
			}
		})
	}
	list, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotSchedules(f.Namespace).List(f.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list.Items {
		t.Errorf("schedule %s was created: %s", s.Name, framework.DescribeSchedule(&s))
	}
}

// manifest is a schedule in YAML with the spec's fields given.
func manifest(name string, spec ...string) string {
	return "apiVersion: snapshot.vmsnap.io/v1alpha1\nkind: VirtualMachineSnapshotSchedule\nmetadata:\n  name: " + name +
		"\nspec:\n  " + strings.Join(spec, "\n  ") + "\n"
}

// TestScheduleInvalidCronIsReportedNotRun: a schedule the CRD admits but the
// cron parser refuses (a minute past 59, a time zone that does not exist)
// is Ready=False InvalidSchedule with the parser's message and a warning
// event, and snapshots nothing; fixed, it runs.
func TestScheduleInvalidCronIsReportedNotRun(t *testing.T) {
	f := framework.New(t)
	selected := map[string]string{"backup": "invalid"}
	f.CreateVM("db", framework.WithPVCDisks(1), framework.WithLabels(selected))

	for _, tc := range []struct {
		name, cron string
		timeZone   *string
		want       []string
	}{
		{"minute61", "61 * * * *", nil, []string{`schedule "61 * * * *"`, "above maximum (59)"}},
		{"mars", "@every 2s", ptr.To("Mars/Olympus"), []string{`timeZone "Mars/Olympus" is not a known IANA time zone`}},
	} {
		f.CreateSchedule(tc.name, tc.cron, selected, func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) { s.TimeZone = tc.timeZone })
		s := f.WaitForSchedule(tc.name, "Ready=False, reason InvalidSchedule", 30*time.Second, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
			c := apimeta.FindStatusCondition(s.Status.Conditions, snapshotapi.ConditionReady)
			return c != nil && c.Status == metav1.ConditionFalse && c.Reason == schedule.ReasonInvalidSchedule
		})
		ready := apimeta.FindStatusCondition(s.Status.Conditions, snapshotapi.ConditionReady)
		for _, want := range tc.want {
			if !strings.Contains(ready.Message, want) {
				t.Errorf("schedule %s: Ready says %q, which does not say %q", tc.name, ready.Message, want)
			}
		}
		if ready.ObservedGeneration != s.Generation || s.Status.ObservedGeneration != s.Generation {
			t.Errorf("schedule %s: the condition is of generation %d, the status of %d; the spec's is %d", tc.name, ready.ObservedGeneration, s.Status.ObservedGeneration, s.Generation)
		}
		if s.Status.NextScheduleTime != nil {
			t.Errorf("schedule %s: an invalid schedule has a next run: %s", tc.name, framework.DescribeSchedule(s))
		}
		event := f.WaitForEvent(scheduleKind, tc.name, corev1.EventTypeWarning, schedule.ReasonInvalidSchedule)
		if event.Message != ready.Message {
			t.Errorf("schedule %s: the InvalidSchedule event says %q, the condition %q", tc.name, event.Message, ready.Message)
		}
	}

	// "@every 2s" in a bad time zone would have run a few times by now.
	if got := f.ScheduledSnapshots("mars"); len(got) != 0 {
		t.Errorf("an invalid schedule took snapshots: %s", describeSnapshots(got))
	}

	// Fixed, it runs.
	f.UpdateSchedule("mars", func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) { s.TimeZone = ptr.To("Europe/Berlin") })
	s := f.WaitForSchedule("mars", "Ready=True and a run taken", 30*time.Second, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		c := apimeta.FindStatusCondition(s.Status.Conditions, snapshotapi.ConditionReady)
		return c != nil && c.Status == metav1.ConditionTrue && len(s.Status.VirtualMachines) == 1 && s.Status.VirtualMachines[0].LastRunResult == snapshotapi.ScheduleRunTaken
	})
	if c := apimeta.FindStatusCondition(s.Status.Conditions, snapshotapi.ConditionReady); c.Reason != schedule.ReasonScheduled {
		t.Errorf("the fixed schedule is Ready with reason %q, want %q", c.Reason, schedule.ReasonScheduled)
	}
}

// TestScheduleKubectlGetColumns: kubectl get prints a schedule's cron,
// suspension, last and next run, selected and failing VMs and age; -o wide
// adds the Ready reason.
func TestScheduleKubectlGetColumns(t *testing.T) {
	f := framework.New(t)
	selected := map[string]string{"backup": "yearly"}
	f.CreateVM("db", framework.WithPVCDisks(1), framework.WithLabels(selected))
	f.CreateSchedule("yearly", "@yearly", selected, func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) { s.Suspend = ptr.To(false) })
	s := f.WaitForSchedule("yearly", "one VM selected, a next run", 30*time.Second, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		return s.Status.SelectedVMs == 1 && s.Status.NextScheduleTime != nil
	})

	out := f.MustKubectl("get", "vmsnapschedule")
	header, rows := table(t, out)
	if want := []string{"NAME", "SCHEDULE", "SUSPENDED", "LAST", "NEXT", "VMS", "FAILING", "AGE"}; strings.Join(header, " ") != strings.Join(want, " ") {
		t.Fatalf("kubectl get vmsnapschedule has columns %v, want %v:\n%s", header, want, out)
	}
	if len(rows) != 1 {
		t.Fatalf("kubectl get vmsnapschedule lists %d schedules, want 1:\n%s", len(rows), out)
	}
	row := rows[0]
	for column, want := range map[string]string{
		"NAME":      "yearly",
		"SCHEDULE":  "@yearly",
		"SUSPENDED": "false",
		"LAST":      "", // no run yet (the first is on January 1): kubectl leaves the cell empty
		"NEXT":      s.Status.NextScheduleTime.UTC().Format(time.RFC3339),
		"VMS":       "1",
		"FAILING":   "0",
	} {
		if row[column] != want {
			t.Errorf("column %s is %q, want %q:\n%s", column, row[column], want, out)
		}
	}
	if row["AGE"] == "" || row["AGE"] == "<none>" || row["AGE"] == "<unknown>" {
		t.Errorf("column AGE is %q:\n%s", row["AGE"], out)
	}

	out = f.MustKubectl("get", "vmsnapschedule", "-o", "wide")
	header, rows = table(t, out)
	if len(header) == 0 || header[len(header)-1] != "REASON" || len(rows) != 1 || rows[0]["REASON"] != schedule.ReasonScheduled {
		t.Errorf("kubectl get vmsnapschedule -o wide: want a last column REASON saying %s:\n%s", schedule.ReasonScheduled, out)
	}
}

// table splits kubectl's table output into its header and its rows, each
// row a map from column to cell. Cells are cut at the columns' starts, so
// that a cell may hold spaces.
func table(t *testing.T, out string) ([]string, []map[string]string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatalf("kubectl printed no table: %q", out)
	}
	var header []string
	var starts []int
	for i := 0; i < len(lines[0]); {
		if lines[0][i] == ' ' {
			i++
			continue
		}
		end := strings.IndexByte(lines[0][i:], ' ')
		if end < 0 {
			end = len(lines[0]) - i
		}
		header, starts = append(header, lines[0][i:i+end]), append(starts, i)
		i += end
	}
	var rows []map[string]string
	for _, line := range lines[1:] {
		row := map[string]string{}
		for c, start := range starts {
			end := len(line)
			if c+1 < len(starts) {
				end = min(starts[c+1], len(line))
			}
			if start < end {
				row[header[c]] = strings.TrimSpace(line[start:end])
			}
		}
		rows = append(rows, row)
	}
	return header, rows
}

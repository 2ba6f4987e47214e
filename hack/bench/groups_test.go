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
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/vmsnapshot"
	"vmsnap.io/vmsnap/tests/csidriver"
	"vmsnap.io/vmsnap/tests/fakevirtapi"
)

var t0 = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

func at(msec int) time.Time { return t0.Add(time.Duration(msec) * time.Millisecond) }

func call(method, object string, startMs, durationMs int, code string) csidriver.Call {
	c := csidriver.Call{Method: method, Time: at(startMs), Duration: time.Duration(durationMs) * time.Millisecond, Code: code}
	if method == createGroupMethod {
		c.VolumeGroupSnapshot = object
	} else {
		c.VolumeSnapshot = object
	}
	return c
}

func TestParseDiskCounts(t *testing.T) {
	if got, err := parseDiskCounts("1, 2,4,8,"); err != nil || !reflect.DeepEqual(got, []int{1, 2, 4, 8}) {
		t.Errorf("parseDiskCounts = %v, %v", got, err)
	}
	for _, bad := range []string{"", ",", "0", "2,x", "-1"} {
		if got, err := parseDiskCounts(bad); err == nil {
			t.Errorf("parseDiskCounts(%q) = %v, want an error", bad, got)
		}
	}
}

func TestGroupClassFor(t *testing.T) {
	class := func(name, driver string, isDefault bool) groupsnapshotv1.VolumeGroupSnapshotClass {
		c := groupsnapshotv1.VolumeGroupSnapshotClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Driver: driver}
		if isDefault {
			c.Annotations = map[string]string{vmsnapshot.AnnotationDefaultGroupClass: "true"}
		}
		return c
	}
	const driver = "csi.test.vmsnap.io"
	for _, tc := range []struct {
		name    string
		classes []groupsnapshotv1.VolumeGroupSnapshotClass
		want    string
		wantErr bool
	}{
		{"ours, the default", []groupsnapshotv1.VolumeGroupSnapshotClass{class(groupClassName, driver, true), class("other", driver, false)}, groupClassName, false},
		{"the only one", []groupsnapshotv1.VolumeGroupSnapshotClass{class("only", driver, false), class("x", "other.driver", true)}, "only", false},
		{"two defaults", []groupsnapshotv1.VolumeGroupSnapshotClass{class(groupClassName, driver, true), class("vmsnap-test", driver, true)}, "", true},
		{"two, no default", []groupsnapshotv1.VolumeGroupSnapshotClass{class("a", driver, false), class("b", driver, false)}, "", true},
		{"none of the driver", []groupsnapshotv1.VolumeGroupSnapshotClass{class("x", "other.driver", true)}, "", true},
	} {
		got, err := groupClassFor(driver, tc.classes)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("%s: groupClassFor = %q, %v; want %q, error %v", tc.name, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestBackupsAndCutCalls(t *testing.T) {
	grouped := []snapshotapi.VolumeBackup{
		{VolumeName: "disk0", VolumeSnapshotName: ptr.To("snap-abc"), VolumeGroupSnapshotName: ptr.To("vmsnapshot-u1-group")},
		{VolumeName: "disk1", VolumeGroupSnapshotName: ptr.To("vmsnapshot-u1-group")},
	}
	groups, volumes, disks := backupsOf("ns", grouped)
	if !reflect.DeepEqual(groups, []string{"ns/vmsnapshot-u1-group"}) || volumes != nil || disks != 2 {
		t.Errorf("backupsOf(grouped) = %v, %v, %d", groups, volumes, disks)
	}
	alone := []snapshotapi.VolumeBackup{
		{VolumeName: "disk0", VolumeSnapshotName: ptr.To("vs0")},
		{VolumeName: "disk1", VolumeSnapshotName: ptr.To("vs1")},
		{VolumeName: "disk2"},
	}
	groups, volumes, disks = backupsOf("ns", alone)
	if groups != nil || !reflect.DeepEqual(volumes, []string{"ns/vs0", "ns/vs1", ""}) || disks != 3 {
		t.Errorf("backupsOf(alone) = %v, %v, %d", groups, volumes, disks)
	}

	first := firstCutCalls([]csidriver.Call{
		call(createSnapshotMethod, "ns/vs0", 0, 5, "Unavailable"), // failed, retried below
		call(createSnapshotMethod, "ns/vs0", 10, 5, "OK"),
		call(createSnapshotMethod, "ns/vs0", 20, 5, "OK"), // a repeat: the first OK counts
		call(createSnapshotMethod, "ns/vs1", 12, 4, "OK"),
		call(createGroupMethod, "ns/vmsnapshot-u1-group", 30, 9, "OK"),
		call("ListSnapshots", "", 40, 1, "OK"),
	})
	calls, missing := cutCallsOf(groups, volumes, first)
	if missing != 1 || len(calls) != 2 || !calls[0].Time.Equal(at(10)) || !calls[1].Time.Equal(at(12)) {
		t.Errorf("cutCallsOf(volumes) = %+v, missing %d; want vs0 at 10 ms, vs1 at 12 ms, one missing", calls, missing)
	}
	calls, missing = cutCallsOf([]string{"ns/vmsnapshot-u1-group"}, nil, first)
	if missing != 0 || len(calls) != 1 || calls[0].Method != createGroupMethod {
		t.Errorf("cutCallsOf(group) = %+v, missing %d", calls, missing)
	}
}

func TestCountCutCalls(t *testing.T) {
	calls := []csidriver.Call{
		call(createSnapshotMethod, "a/vs0", 0, 1, "OK"),
		call(createSnapshotMethod, "a/vs1", 0, 1, "OK"),
		call(createSnapshotMethod, "a/vs1", 0, 1, "DeadlineExceeded"),
		call(createGroupMethod, "a/g", 0, 1, "OK"),
		call(createGroupMethod, "ab/g", 0, 1, "OK"), // another namespace with the same prefix
		call(createSnapshotMethod, "b/vs0", 0, 1, "OK"),
		call("DeleteSnapshot", "a/vs0", 0, 1, "OK"),
	}
	if got, want := countCutCalls(calls, "a"), (CutCalls{CreateSnapshot: 2, CreateVolumeGroupSnapshot: 1, Failed: 1}); got != want {
		t.Errorf("countCutCalls = %+v, want %+v", got, want)
	}
}

func TestSummarizeCuts(t *testing.T) {
	window := func(from, to int) []fakevirtapi.FrozenWindow {
		return []fakevirtapi.FrozenWindow{{From: at(from), To: at(to)}}
	}
	cuts := []vmCut{
		// Two disks cut one by one: 100..130 and 110..150, in 0..200.
		{windows: window(0, 200), calls: []csidriver.Call{call(createSnapshotMethod, "ns/a", 100, 30, "OK"), call(createSnapshotMethod, "ns/b", 110, 40, "OK")}},
		// One group call 50..60 in 20..100.
		{windows: window(20, 100), calls: []csidriver.Call{call(createGroupMethod, "ns/g", 50, 10, "OK")}},
		// Thawed before the cut ended: counted, and outside.
		{windows: window(0, 55), calls: []csidriver.Call{call(createGroupMethod, "ns/g2", 50, 10, "OK")}},
		// Not measurable: still frozen, two windows, a call missing, no calls.
		{windows: []fakevirtapi.FrozenWindow{{From: at(0)}}, calls: []csidriver.Call{call(createGroupMethod, "ns/g3", 5, 1, "OK")}},
		{windows: append(window(0, 10), window(20, 30)...), calls: []csidriver.Call{call(createGroupMethod, "ns/g4", 5, 1, "OK")}},
		{windows: window(0, 10), calls: []csidriver.Call{call(createSnapshotMethod, "ns/c", 5, 1, "OK")}, missing: 1},
		{windows: window(0, 10)},
	}
	got := summarizeCuts(cuts)
	if got.VMs != 3 || got.Missing != 4 || got.Outside != 1 {
		t.Errorf("summarizeCuts: %d VMs, %d missing, %d outside; want 3, 4, 1", got.VMs, got.Missing, got.Outside)
	}
	// Windows 200, 80, 55; cuts 50, 10, 10; freeze->cut 100, 30, 50;
	// cut->thaw 50, 40, -5.
	if got.Window != (Distribution{Count: 3, Median: 80, P90: 200, P95: 200, P99: 200, Max: 200}) {
		t.Errorf("window %+v", got.Window)
	}
	if got.Cut.Median != 10 || got.Cut.Max != 50 || got.FreezeToCut.Median != 50 || got.CutToThaw.Median != 40 || got.CutToThaw.Max != 50 {
		t.Errorf("cut %+v, freeze->cut %+v, cut->thaw %+v", got.Cut, got.FreezeToCut, got.CutToThaw)
	}
}

func TestPathProblems(t *testing.T) {
	required, disabled := snapshotapi.ConsistencyGroupRequired, snapshotapi.ConsistencyGroupDisabled
	if p := pathProblems(required, 10, 4, 10, 10, CutCalls{CreateVolumeGroupSnapshot: 11}); p != nil {
		t.Errorf("a clean Required row: %v", p)
	}
	if p := pathProblems(disabled, 10, 4, 0, 0, CutCalls{CreateSnapshot: 41, Failed: 3}); p != nil {
		t.Errorf("a clean Disabled row: %v", p)
	}
	p := pathProblems(required, 10, 4, 9, 8, CutCalls{CreateSnapshot: 8, CreateVolumeGroupSnapshot: 8})
	if len(p) != 4 || !strings.Contains(p[0], "1 of 10 snapshots lack the AtomicCut") || !strings.Contains(p[2], "8 CreateSnapshot") {
		t.Errorf("a Required row cut per volume for two VMs: %q", p)
	}
	p = pathProblems(disabled, 10, 2, 10, 10, CutCalls{CreateVolumeGroupSnapshot: 10})
	if len(p) != 4 || !strings.Contains(p[0], "10 of 10 snapshots carry the AtomicCut") || !strings.Contains(p[3], "want one per disk (20)") {
		t.Errorf("a Disabled row cut in groups: %q", p)
	}
}

func TestCountPaths(t *testing.T) {
	cuts := []vmCut{
		{atomicCut: true, groups: []string{"ns/g1"}, disks: 2},
		{atomicCut: true, groups: []string{"ns/g2"}, volumes: []string{"ns/vs"}, disks: 2}, // one disk outside the group
		{volumes: []string{"ns/a", "ns/b"}, disks: 2},
		{}, // no content
	}
	if a, g := countPaths(cuts); a != 2 || g != 1 {
		t.Errorf("countPaths = %d AtomicCut, %d grouped; want 2, 1", a, g)
	}
}

func sampleGroups() *GroupComparison {
	row := func(disks int, mode snapshotapi.ConsistencyGroupPolicy, wall, frozen float64, calls CutCalls) GroupRow {
		return GroupRow{
			Disks: disks, ConsistencyGroup: string(mode),
			Workload: Workload{Objects: 10, Done: 10, WallSeconds: wall, Latency: Distribution{Median: 900, P95: 1400},
				Controller: ControllerCost{RequestsPerObject: Requests{Writes: 13.5}}},
			Frozen: CutWindows{VMs: 10, Window: Distribution{Median: frozen, P95: frozen * 1.5, Max: frozen * 2}, Cut: Distribution{Median: 3}},
			Calls:  calls,
		}
	}
	g := &GroupComparison{VMs: 10, Disks: []int{2, 4}, Class: groupClassName, Driver: "csi.test.vmsnap.io", Rows: []GroupRow{
		row(2, snapshotapi.ConsistencyGroupDisabled, 4, 800, CutCalls{CreateSnapshot: 20}),
		row(2, snapshotapi.ConsistencyGroupRequired, 3, 400, CutCalls{CreateVolumeGroupSnapshot: 10}),
		row(4, snapshotapi.ConsistencyGroupDisabled, 8, 1000, CutCalls{CreateSnapshot: 40, Failed: 2}),
	}}
	g.Rows[1].Frozen.Outside = 1
	g.Rows[2].Problems = []string{"3 of 10 snapshots carry the AtomicCut indication"}
	return g
}

func TestGroupRatios(t *testing.T) {
	got := groupRatios(sampleGroups().Rows)
	if want := []groupRatio{{Disks: 2, Wall: 0.75, Frozen: 0.5}}; !reflect.DeepEqual(got, want) {
		t.Errorf("groupRatios = %+v, want %+v (D=4 has no Required row)", got, want)
	}
}

func TestPrintGroups(t *testing.T) {
	var out bytes.Buffer
	printGroups(&out, sampleGroups())
	text := out.String()
	lines := strings.Split(text, "\n")
	header := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "frozen med") })
	if header < 0 || header+3 >= len(lines) {
		t.Fatalf("no table:\n%s", text)
	}
	for i, want := range [][]string{
		{"2", "Disabled", "10", "4.00", "900", "1400", "800", "1200", "1600", "3.0", "20", "0", "13.5"},
		{"2", "Required", "10", "3.00", "900", "1400", "400", "600", "800", "3.0", "0", "10", "13.5"},
		{"4", "Disabled", "10", "8.00", "900", "1400", "1000", "1500", "2000", "3.0", "40", "0", "13.5"},
	} {
		fields := strings.Fields(lines[header+1+i])
		// D mode VMs wall med p95 | frozen med p95 max | cut | freeze->cut cut->thaw | calls | writes
		got := append(fields[:9:9], fields[9], fields[12], fields[13], fields[14])
		if !reflect.DeepEqual(got, want) {
			t.Errorf("row %d = %q, want %q (line %q)", i, got, want, lines[header+1+i])
		}
	}
	for _, want := range []string{
		"class vmsnap-bench-group of csi.test.vmsnap.io",
		"Required / Disabled: D=2 wall 0.75x, frozen median 0.50x\n",
		"note (D=2 Required): the cut calls of 1 VMs did not lie wholly within their frozen window",
		"note (D=4 Disabled): 2 cut calls failed",
		"PROBLEM (D=4 Disabled): 3 of 10 snapshots carry the AtomicCut indication",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

// A VM snapshot's group members carry no label of vmsnap's: the tracker
// finds them through their owner, the snapshot's VolumeGroupSnapshot.
func TestTrackerFindsGroupMembers(t *testing.T) {
	tr := newTracker()
	snap := &snapshotapi.VirtualMachineSnapshot{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "snap-vm-0", UID: "u1"}}
	tr.observeVMSnapshot(snap, false)
	member := func(name, owner string) *snapshotv1.VolumeSnapshot {
		return &snapshotv1.VolumeSnapshot{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, OwnerReferences: []metav1.OwnerReference{
			{APIVersion: groupsnapshotv1.SchemeGroupVersion.String(), Kind: "VolumeGroupSnapshot", Name: owner},
		}}}
	}
	tr.observeVolumeSnapshot(member("snapshot-1", vmsnapshot.VolumeGroupSnapshotName("u1")), false)
	tr.observeVolumeSnapshot(member("snapshot-2", vmsnapshot.VolumeGroupSnapshotName("u1")), false)
	tr.observeVolumeSnapshot(member("snapshot-3", vmsnapshot.VolumeGroupSnapshotName("u2")), false)
	labelled := &snapshotv1.VolumeSnapshot{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "vs-0", Labels: map[string]string{vmsnapshot.LabelSnapshotName: "snap-vm-0"}}}
	tr.observeVolumeSnapshot(labelled, false)
	got := tr.volumesOf("ns/snap-vm-0")
	slices.Sort(got)
	if want := []string{"ns/snapshot-1", "ns/snapshot-2", "ns/vs-0"}; !reflect.DeepEqual(got, want) {
		t.Errorf("volumesOf = %v, want %v", got, want)
	}
}

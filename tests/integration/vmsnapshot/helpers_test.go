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

package vmsnapshot

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/fakevirtapi"
)

// requireIndications checks that the snapshot carries exactly these
// indications, each with a message.
func requireIndications(t *testing.T, snap *snapshotapi.VirtualMachineSnapshot, want ...snapshotapi.IndicationType) {
	t.Helper()
	var got []string
	for _, i := range snap.Status.Indications {
		got = append(got, string(i.Type))
		if strings.TrimSpace(i.Message) == "" {
			t.Errorf("vmsnapshot %s: indication %s has no message", snap.Name, i.Type)
		}
	}
	wanted := make([]string, 0, len(want))
	for _, w := range want {
		wanted = append(wanted, string(w))
	}
	slices.Sort(got)
	slices.Sort(wanted)
	if !slices.Equal(got, wanted) {
		t.Errorf("vmsnapshot %s: want indications %v; got %v", snap.Name, wanted, got)
	}
}

func indicationMessage(snap *snapshotapi.VirtualMachineSnapshot, t snapshotapi.IndicationType) string {
	for _, i := range snap.Status.Indications {
		if i.Type == t {
			return i.Message
		}
	}
	return ""
}

func requireIncluded(t *testing.T, snap *snapshotapi.VirtualMachineSnapshot, volumes ...string) {
	t.Helper()
	var got []string
	if snap.Status.SnapshotVolumes != nil {
		got = slices.Sorted(slices.Values(snap.Status.SnapshotVolumes.IncludedVolumes))
	}
	if want := slices.Sorted(slices.Values(volumes)); !slices.Equal(got, want) {
		t.Errorf("vmsnapshot %s: want includedVolumes %v; got %v", snap.Name, want, got)
	}
}

// requireExcluded checks that exactly these volumes are excluded, each with
// a reason.
func requireExcluded(t *testing.T, snap *snapshotapi.VirtualMachineSnapshot, volumes ...string) []snapshotapi.ExcludedVolume {
	t.Helper()
	var excluded []snapshotapi.ExcludedVolume
	if snap.Status.SnapshotVolumes != nil {
		excluded = snap.Status.SnapshotVolumes.ExcludedVolumes
	}
	var got []string
	for _, e := range excluded {
		got = append(got, e.Name)
		if strings.TrimSpace(e.Reason) == "" {
			t.Errorf("vmsnapshot %s: excluded volume %s has no reason", snap.Name, e.Name)
		}
	}
	slices.Sort(got)
	if want := slices.Sorted(slices.Values(volumes)); !slices.Equal(got, want) {
		t.Errorf("vmsnapshot %s: want excludedVolumes %v; got %+v", snap.Name, want, excluded)
	}
	return excluded
}

// describeCalls renders virt-api calls for failure messages.
func describeCalls(calls []fakevirtapi.Call) string {
	if len(calls) == 0 {
		return "no calls"
	}
	out := make([]string, 0, len(calls))
	for _, c := range calls {
		out = append(out, fmt.Sprintf("%s at %s -> %s %d %s", c.Op, stamp(c.Time), c.Result, c.StatusCode, c.Message))
	}
	return strings.Join(out, "; ")
}

// stamp renders a time with milliseconds.
func stamp(t time.Time) string { return t.Format("15:04:05.000") }

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

package disksnapshot

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/fakevirtapi"
)

// shortDeadline is the failureDeadline of snapshots that are meant to fail:
// long enough to see them wait, short enough to keep the suite quick.
const shortDeadline = 4 * time.Second

// requireIndications checks that the snapshot carries exactly these
// indications, each with a message.
func requireIndications(t *testing.T, snap *snapshotapi.VirtualDiskSnapshot, want ...snapshotapi.IndicationType) {
	t.Helper()
	var got []string
	for _, i := range snap.Status.Indications {
		got = append(got, string(i.Type))
		if strings.TrimSpace(i.Message) == "" {
			t.Errorf("vdsnapshot %s: indication %s has no message", snap.Name, i.Type)
		}
	}
	wanted := make([]string, 0, len(want))
	for _, w := range want {
		wanted = append(wanted, string(w))
	}
	slices.Sort(got)
	slices.Sort(wanted)
	if !slices.Equal(got, wanted) {
		t.Errorf("vdsnapshot %s: want indications %v; got %v", snap.Name, wanted, got)
	}
}

// requireReadyCondition checks the Ready condition's reason and that its
// message says each of the given things.
func requireReadyCondition(t *testing.T, snap *snapshotapi.VirtualDiskSnapshot, reason string, says ...string) {
	t.Helper()
	c := meta.FindStatusCondition(snap.Status.Conditions, snapshotapi.ConditionReady)
	if c == nil || c.Reason != reason {
		t.Fatalf("vdsnapshot %s: want condition Ready with reason %s; got %+v", snap.Name, reason, c)
	}
	for _, s := range says {
		if !strings.Contains(c.Message, s) {
			t.Errorf("vdsnapshot %s: condition Ready message %q does not mention %q", snap.Name, c.Message, s)
		}
	}
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

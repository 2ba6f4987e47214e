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

package cli

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

func TestSnapshotForFlags(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 15, 0, 0, time.FixedZone("CET", 3600))
	co := &createOptions{consistency: consistencyBestEffort, group: "required", retain: true, deadline: 7 * time.Minute}
	snap, err := co.snapshotFor("ns", "web", now)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Name != "web-20261206091500" {
		t.Errorf("default name %q: want the VM and the UTC time", snap.Name)
	}
	if snap.Spec.Source.Kind != "VirtualMachine" || snap.Spec.Source.Name != "web" || *snap.Spec.Source.APIGroup != "kubevirt.io" {
		t.Errorf("source %+v", snap.Spec.Source)
	}
	if snap.Spec.RequiredConsistency == nil || *snap.Spec.RequiredConsistency {
		t.Errorf("best-effort made requiredConsistency %v", snap.Spec.RequiredConsistency)
	}
	if snap.Spec.DeletionPolicy != snapshotapi.DeletionPolicyRetain || snap.Spec.FailureDeadline.Duration != 7*time.Minute ||
		snap.Spec.ConsistencyGroup != snapshotapi.ConsistencyGroupRequired {
		t.Errorf("spec %+v", snap.Spec)
	}

	// Unset flags leave the API's defaults in charge.
	snap, err = (&createOptions{name: "given"}).snapshotFor("ns", "web", now)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Name != "given" || snap.Spec.RequiredConsistency != nil || snap.Spec.DeletionPolicy != "" || snap.Spec.FailureDeadline != nil ||
		snap.Spec.ConsistencyGroup != "" {
		t.Errorf("unset flags set %+v", snap.Spec)
	}

	for _, bad := range []*createOptions{{consistency: "maybe"}, {group: "Auto"}, {deadline: -time.Second}, {name: strings.Repeat("n", 64)}} {
		if _, err := bad.snapshotFor("ns", "web", now); !isUsage(err) {
			t.Errorf("%+v: %v, want a usage error", bad, err)
		}
	}
}

func isUsage(err error) bool {
	c, ok := err.(*exitError)
	return ok && c.code == ExitUsage
}

func TestDefaultSnapshotNameFitsTheAPI(t *testing.T) {
	name := defaultSnapshotName(strings.Repeat("v", 80), time.Unix(0, 0))
	if len(name) != maxSnapshotName || !strings.HasSuffix(name, "-19700101000000") {
		t.Errorf("%q (%d characters)", name, len(name))
	}
}

func TestSnapshotProgressAndSummary(t *testing.T) {
	created := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	vsName := func(n string) *string { return &n }
	view := snapshotView{
		snap: &snapshotapi.VirtualMachineSnapshot{
			ObjectMeta: metav1.ObjectMeta{Name: "s", CreationTimestamp: metav1.NewTime(created)},
			Spec:       snapshotapi.VirtualMachineSnapshotSpec{Source: snapshotRef("vm")},
			Status:     snapshotapi.VirtualMachineSnapshotStatus{Phase: snapshotapi.SnapshotInProgress},
		},
		content: &snapshotapi.VirtualMachineSnapshotContent{
			Spec: snapshotapi.VirtualMachineSnapshotContentSpec{VolumeBackups: []snapshotapi.VolumeBackup{
				{VolumeName: "a", VolumeSnapshotName: vsName("vs-a")},
				{VolumeName: "b", VolumeSnapshotName: vsName("vs-b")},
			}},
			Status: snapshotapi.VirtualMachineSnapshotContentStatus{VolumeSnapshotStatus: []snapshotapi.VolumeSnapshotStatus{
				{VolumeSnapshotName: "vs-a", CreationTime: ptr.To(metav1.NewTime(created)), ReadyToUse: ptr.To(true), RestoreSize: ptr.To(resource.MustParse("1Gi"))},
				{VolumeSnapshotName: "vs-b", RestoreSize: ptr.To(resource.MustParse("512Mi"))},
			}},
		},
		frozen:    1500 * time.Millisecond,
		frozenNow: true,
	}
	line, ticking := view.progress(created.Add(3 * time.Second))
	if want := "snapshot s: InProgress · disks 1/2 cut, 1/2 ready · guest frozen"; line != want {
		t.Errorf("line %q, want %q", line, want)
	}
	if want := " 1.5s · 3s"; ticking != want {
		t.Errorf("ticking %q, want %q", ticking, want)
	}

	view.snap.Status.Phase = snapshotapi.SnapshotReady
	view.snap.Status.Consistent = ptr.To(true)
	view.snap.Status.Indications = []snapshotapi.Indication{{Type: snapshotapi.IndicationOnline}, {Type: snapshotapi.IndicationGuestAgent}}
	view.snap.Status.Conditions = []metav1.Condition{{Type: snapshotapi.ConditionReady, Status: metav1.ConditionTrue, LastTransitionTime: metav1.NewTime(created.Add(4 * time.Second))}}
	view.snap.Status.SnapshotVolumes = &snapshotapi.SnapshotVolumesLists{ExcludedVolumes: []snapshotapi.ExcludedVolume{{Name: "cloudinit", Reason: "not a persistent disk"}}}
	want := "Snapshot s of VM vm is Ready: 2 disks, 1536Mi in all, taken in 4s. Consistent: the guest agent froze the filesystems for the cut (seen frozen for about 1.5s). Not in the snapshot: cloudinit (not a persistent disk)."
	if got := view.summary(); got != want {
		t.Errorf("summary\n%q, want\n%q", got, want)
	}

	view.snap.Status.Phase = snapshotapi.SnapshotFailed
	view.snap.Status.Error = &snapshotapi.Error{Message: ptr.To("the CSI driver refused")}
	if got, want := view.summary(), "Snapshot s of VM vm failed: the CSI driver refused"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}

func TestConsistencySentence(t *testing.T) {
	ind := func(types ...snapshotapi.IndicationType) []snapshotapi.Indication {
		var out []snapshotapi.Indication
		for _, ty := range types {
			out = append(out, snapshotapi.Indication{Type: ty})
		}
		return out
	}
	for _, tc := range []struct {
		consistent  *bool
		indications []snapshotapi.Indication
		want        string
	}{
		{ptr.To(true), nil, "Consistent: the VM was stopped."},
		{ptr.To(false), ind(snapshotapi.IndicationOnline, snapshotapi.IndicationNoGuestAgent), "Not consistent: the VM ran without a guest agent: crash-consistent only."},
		{ptr.To(false), ind(snapshotapi.IndicationOnline, snapshotapi.IndicationPaused), "Not consistent: the VM was paused, so nothing was frozen: crash-consistent only."},
		{nil, append(ind(snapshotapi.IndicationOnline), snapshotapi.Indication{Type: snapshotapi.IndicationQuiesceFailed, Message: "fsfreeze timed out"}), "Not consistent: QuiesceFailed: fsfreeze timed out."},
		{ptr.To(false), append(ind(snapshotapi.IndicationOnline, snapshotapi.IndicationNoGuestAgent), snapshotapi.Indication{Type: snapshotapi.IndicationAtomicCut, Message: "all 3 disks are cut at one instant"}),
			"Not consistent: the VM ran without a guest agent: crash-consistent only; AtomicCut: all 3 disks are cut at one instant."},
	} {
		if got := consistencySentence(tc.consistent, tc.indications, 0, "the VM was stopped"); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.indications, got, tc.want)
		}
	}
}

func TestSplitKind(t *testing.T) {
	for arg, want := range map[string][2]string{
		"name":                            {"", "name"},
		"snapshot/s":                      {kindSnapshot, "s"},
		"vmsnapshot.snapshot.vmsnap.io/s": {kindSnapshot, "s"},
		"restore/r":                       {kindRestore, "r"},
		"vdsnapshot/d":                    {kindDiskSnapshot, "d"},
	} {
		kind, name, err := splitKind(arg, kindSnapshot, kindRestore, kindDiskSnapshot)
		if err != nil || kind != want[0] || name != want[1] {
			t.Errorf("%q: %q %q %v, want %q %q", arg, kind, name, err, want[0], want[1])
		}
	}
	for _, bad := range []string{"pod/x", "snapshot/"} {
		if _, _, err := splitKind(bad, kindSnapshot, kindRestore, kindDiskSnapshot); !isUsage(err) {
			t.Errorf("%q: %v, want a usage error", bad, err)
		}
	}
}

func snapshotRef(vm string) corev1.TypedLocalObjectReference {
	return corev1.TypedLocalObjectReference{Kind: "VirtualMachine", Name: vm}
}

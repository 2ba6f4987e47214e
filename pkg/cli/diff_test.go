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
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

func TestCompareDisks(t *testing.T) {
	before := []diskState{
		{Volume: "root", Claim: "vm-root", Size: mustQuantity("10Gi")},
		{Volume: "data", Claim: "vm-data", Size: mustQuantity("1Gi")},
		{Volume: "old", Claim: "vm-old", Size: mustQuantity("1Gi")},
		{Volume: "unknown", Claim: "vm-unknown"},
		{Volume: "restored", Claim: "vm-restored", Size: mustQuantity("1Gi")},
	}
	after := []diskState{
		{Volume: "root", Claim: "vm-root", Size: mustQuantity("10240Mi")}, // the same size, written otherwise
		{Volume: "data", Claim: "vm-data", Size: mustQuantity("2Gi")},
		{Volume: "new", Claim: "vm-new", Size: mustQuantity("5Gi")},
		{Volume: "unknown", Claim: "vm-unknown", Size: mustQuantity("3Gi")},
		{Volume: "restored", Claim: "restore-1234-restored", Size: mustQuantity("1Gi")},
	}
	got := compareDisks(before, after)
	want := diskChanges{
		Added:        []diskState{{Volume: "new", Claim: "vm-new", Size: mustQuantity("5Gi")}},
		Removed:      []diskState{{Volume: "old", Claim: "vm-old", Size: mustQuantity("1Gi")}},
		Resized:      []diskResize{{Volume: "data", Claim: "vm-data", From: resource.MustParse("1Gi"), To: resource.MustParse("2Gi")}},
		ClaimChanged: []claimChange{{Volume: "restored", From: "vm-restored", To: "restore-1234-restored"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("compareDisks:\n got %+v\nwant %+v", got, want)
	}
	if same := compareDisks(before, before); !same.empty() {
		t.Errorf("a VM compared with itself: %+v", same)
	}

	text := disksSection(got)
	wantText := `Disks:
  added         new: claim vm-new, 5Gi
  removed       old: claim vm-old, 1Gi
  resized       data: claim vm-data, 1Gi -> 2Gi
  claim changed restored: vm-restored -> restore-1234-restored
`
	if text != wantText {
		t.Errorf("disks section:\n%s\nwant:\n%s", text, wantText)
	}
}

func TestCapturedAndLiveDisks(t *testing.T) {
	captured := fakeVM("vm", "disk0", "disk1")
	captured.Spec.Template.Spec.Volumes = append(captured.Spec.Template.Spec.Volumes,
		kubevirtv1.Volume{Name: "cloudinit", VolumeSource: kubevirtv1.VolumeSource{CloudInitNoCloud: &kubevirtv1.CloudInitNoCloudSource{}}},
		kubevirtv1.Volume{Name: "dv", VolumeSource: kubevirtv1.VolumeSource{DataVolume: &kubevirtv1.DataVolumeSource{Name: "vm-dv"}}})
	content := fakeContentFor(fakeVMSnapshot("snap", "vm", minutesAgo(1), snapshotapi.SnapshotReady), captured, "disk0", "disk1")

	disks := capturedDisks(captured, content.Spec.VolumeBackups)
	if len(disks) != 3 || disks[2].Claim != "vm-dv" || disks[2].Size != nil || disks[0].Size.String() != "1Gi" {
		t.Errorf("captured disks %+v: want disk0 and disk1 of 1Gi, and the DataVolume without a recorded size", disks)
	}

	live := liveDisks(captured, map[string]*corev1.PersistentVolumeClaim{"vm-disk0": fakeClaim("vm-disk0", "4Gi")})
	if len(live) != 3 || live[0].Size.String() != "4Gi" || live[1].Size != nil {
		t.Errorf("live disks %+v: want disk0 at 4Gi and disk1 (no claim) without a size", live)
	}
	if liveDisks(nil, nil) != nil {
		t.Error("a deleted VM has no disks")
	}
}

func fakeClaim(name, size string) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNamespace},
		Spec: corev1.PersistentVolumeClaimSpec{Resources: corev1.VolumeResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)},
		}},
	}
}

func TestComparedAnnotations(t *testing.T) {
	got := comparedAnnotations(map[string]string{
		"owner":                            "team-a",
		corev1.LastAppliedConfigAnnotation: "{}",
		"kubevirt.io/latest-observed-api-version": "v1",
		"snapshot.vmsnap.io/last-restore-uid":     "1234",
	})
	if !reflect.DeepEqual(got, map[string]string{"owner": "team-a"}) {
		t.Errorf("compared annotations %v: want only the owner's", got)
	}
	if comparedAnnotations(map[string]string{corev1.LastAppliedConfigAnnotation: "{}"}) != nil {
		t.Error("no annotation left: want none written")
	}
}

func TestCompareVM(t *testing.T) {
	captured := fakeVM("vm", "disk0")
	content := fakeContentFor(fakeVMSnapshot("snap", "vm", minutesAgo(1), snapshotapi.SnapshotReady), captured, "disk0")
	taken := minutesAgo(60)
	claims := map[string]*corev1.PersistentVolumeClaim{"vm-disk0": fakeClaim("vm-disk0", "1Gi")}

	t.Run("unchanged", func(t *testing.T) {
		live := captured.DeepCopy()
		// What the API server and the controllers write is not a change.
		live.UID, live.ResourceVersion, live.Generation = "uid", "42", 3
		live.Annotations = map[string]string{"snapshot.vmsnap.io/last-restore-uid": "1234"}
		live.Status.PrintableStatus = kubevirtv1.VirtualMachineStatusRunning
		d, err := compareVM("snap", &taken, captured, content.Spec.VolumeBackups, live, claims)
		if err != nil {
			t.Fatal(err)
		}
		if d.Changed || d.SpecChanged || d.UnifiedDiff != "" {
			t.Errorf("got %+v, want no change", d)
		}
		var out bytes.Buffer
		if err := printVMDiff(&out, d, true); err != nil {
			t.Fatal(err)
		}
		if want := "No changes to VirtualMachine vm since snapshot snap (2026-01-02T02:04:05Z).\n"; out.String() != want {
			t.Errorf("printed %q, want %q", out.String(), want)
		}
	})

	t.Run("changed", func(t *testing.T) {
		live := captured.DeepCopy()
		live.Labels["tier"] = "gold"
		live.Spec.Template.Spec.Domain.CPU = &kubevirtv1.CPU{Cores: 2}
		d, err := compareVM("snap", &taken, captured, content.Spec.VolumeBackups, live, map[string]*corev1.PersistentVolumeClaim{"vm-disk0": fakeClaim("vm-disk0", "2Gi")})
		if err != nil {
			t.Fatal(err)
		}
		if !d.Changed || !d.SpecChanged || d.VMDeleted || len(d.Disks.Resized) != 1 {
			t.Errorf("got %+v, want the spec changed and disk0 resized", d)
		}
		wantDiff := `--- snapshot snap
+++ VirtualMachine vm now
@@ -1,6 +1,7 @@
 metadata:
   labels:
     app: vm
+    tier: gold
   name: vm
 spec:
   runStrategy: Halted
@@ -8,6 +9,8 @@
     metadata: {}
     spec:
       domain:
+        cpu:
+          cores: 2
         devices: {}
         resources:
           requests:
`
		if d.UnifiedDiff != wantDiff {
			t.Errorf("unified diff:\n%s\nwant:\n%s", d.UnifiedDiff, wantDiff)
		}
		var out bytes.Buffer
		if err := printVMDiff(&out, d, false); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Changes to VirtualMachine vm since snapshot snap", "+    tier: gold", "resized       disk0: claim vm-disk0, 1Gi -> 2Gi"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("printed:\n%s\nwant it to say %q", out.String(), want)
			}
		}
		if strings.Contains(out.String(), "\x1b[") {
			t.Error("colours off: no escape sequences")
		}
		out.Reset()
		_ = printVMDiff(&out, d, true)
		if !strings.Contains(out.String(), "\x1b[32m+    tier: gold\x1b[0m") {
			t.Errorf("colours on: want added lines green:\n%q", out.String())
		}
	})

	t.Run("VM deleted", func(t *testing.T) {
		d, err := compareVM("snap", &taken, captured, content.Spec.VolumeBackups, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !d.VMDeleted || !d.Changed || len(d.Disks.Removed) != 1 {
			t.Errorf("got %+v, want deleted with disk0 removed", d)
		}
		lines := diffLines(d.UnifiedDiff)
		if !strings.HasPrefix(lines[1], "+++ VirtualMachine vm (deleted)") || !strings.HasPrefix(lines[2], "@@ -1,") {
			t.Errorf("diff header: %q", lines[:3])
		}
		for _, line := range lines[3:] {
			if !strings.HasPrefix(line, "-") {
				t.Errorf("every line of a deleted VM is removed; got %q", line)
			}
		}
		var out bytes.Buffer
		_ = printVMDiff(&out, d, false)
		if !strings.HasPrefix(out.String(), "VirtualMachine vm was deleted since snapshot snap") {
			t.Errorf("printed:\n%s", out.String())
		}
	})
}

func TestReadVMDiff(t *testing.T) {
	vm := fakeVM("vm", "disk0")
	snap := fakeVMSnapshot("snap", "vm", minutesAgo(5), snapshotapi.SnapshotReady)
	failed := fakeVMSnapshot("failed", "vm", minutesAgo(5), snapshotapi.SnapshotFailed)
	live := vm.DeepCopy()
	live.Spec.Template.Spec.Volumes = append(live.Spec.Template.Spec.Volumes, kubevirtv1.Volume{Name: "disk1", VolumeSource: kubevirtv1.VolumeSource{
		PersistentVolumeClaim: &kubevirtv1.PersistentVolumeClaimVolumeSource{PersistentVolumeClaimVolumeSource: corev1.PersistentVolumeClaimVolumeSource{ClaimName: "vm-disk1"}},
	}})
	c := fakeClientsFor(live, snap, failed, fakeContentFor(snap, vm, "disk0"), fakeClaim("vm-disk0", "1Gi"), fakeClaim("vm-disk1", "3Gi"))
	ctx := context.Background()

	d, err := readVMDiff(ctx, c, testNamespace, "snap")
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var asData struct {
		Changed, SpecChanged bool
		Disks                struct {
			Added []struct{ Volume, Claim, Size string }
		}
	}
	if err := json.Unmarshal(data, &asData); err != nil {
		t.Fatal(err)
	}
	if !asData.Changed || !asData.SpecChanged || len(asData.Disks.Added) != 1 || asData.Disks.Added[0] != struct{ Volume, Claim, Size string }{"disk1", "vm-disk1", "3Gi"} {
		t.Errorf("as JSON: %s", data)
	}

	for name, want := range map[string]string{
		"missing": `VirtualMachineSnapshot "missing" not found in namespace ns`,
		"failed":  "VirtualMachineSnapshot failed (phase Failed) has captured nothing to compare",
	} {
		if _, err := readVMDiff(ctx, c, testNamespace, name); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("diff %s: %v, want %q", name, err, want)
		}
	}
}

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
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/restore"
)

// exitCode is the code Main would exit with for err.
func exitCode(err error) int {
	var coded *exitError
	if errors.As(err, &coded) {
		return coded.code
	}
	if err != nil {
		return ExitError
	}
	return 0
}

func TestParseRename(t *testing.T) {
	for _, tc := range []struct {
		value   string
		want    snapshotapi.NameReplacement
		wantErr string
	}{
		{value: "PersistentVolumeClaim/vm-disk0=vm2-disk0", want: rename("PersistentVolumeClaim", "vm-disk0", "vm2-disk0")},
		{value: "pvc/vm-disk0=vm2-disk0", want: rename("PersistentVolumeClaim", "vm-disk0", "vm2-disk0")},
		{value: "VM/vm=vm2", want: rename("VirtualMachine", "vm", "vm2")},
		{value: "dv/a=b", want: rename("DataVolume", "a", "b")},
		{value: "secrets/ci=ci2", want: rename("Secret", "ci", "ci2")},
		{value: "vm-ci=vm2-ci", want: rename("", "vm-ci", "vm2-ci")},
		{value: "vm-disk0", wantErr: "no '='"},
		{value: "pod/a=b", wantErr: `unknown kind "pod"`},
		{value: "/a=b", wantErr: `unknown kind ""`},
		{value: "pvc/=b", wantErr: "no OLD name"},
		{value: "=b", wantErr: "no OLD name"},
		{value: "pvc/a=", wantErr: `NEW name "" is not a valid name`},
		{value: "pvc/a=Disk_0", wantErr: `NEW name "Disk_0" is not a valid name`},
		{value: "pvc/a=b=c", wantErr: `NEW name "b=c" is not a valid name`},
	} {
		got, err := parseRename(tc.value)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || exitCode(err) != ExitUsage {
				t.Errorf("--rename %q: error %v (exit %d), want a usage error saying %q", tc.value, err, exitCode(err), tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "KIND/OLD=NEW") {
				t.Errorf("--rename %q: error %q does not show the syntax", tc.value, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("--rename %q: got %+v, %v; want %+v", tc.value, got, err, tc.want)
		}
	}
}

func rename(kind, from, to string) snapshotapi.NameReplacement {
	return snapshotapi.NameReplacement{From: snapshotapi.NameReplacementSource{Kind: kind, Name: from}, To: to}
}

// The API refuses these with a CEL rule; the command says it first, in
// terms of the flags.
func TestParseRenamesRefusesWhatTheAPIWould(t *testing.T) {
	for _, tc := range []struct {
		values  []string
		wantErr string
	}{
		{[]string{"pvc/a=b", "pvc/a=c"}, "renames a twice"},
		{[]string{"a=b", "secret/a=c"}, "renames a twice"},
		{[]string{"pvc/a=x", "pvc/b=x"}, "renames both a and b to x"},
		{[]string{"a=x", "pvc/b=x"}, "renames both a and b to x"},
	} {
		_, err := parseRenames(tc.values)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) || exitCode(err) != ExitUsage {
			t.Errorf("%v: error %v, want a usage error saying %q", tc.values, err, tc.wantErr)
		}
	}
	// Objects of two kinds may share a name: a VM and its Secret.
	got, err := parseRenames([]string{"vm/a=x", "secret/b=x", "pvc/a=y"})
	if err != nil || len(got) != 3 {
		t.Errorf("renames of different kinds to one name: got %v, %v; want all three", got, err)
	}
}

func TestRestoreForBuildsTheSpec(t *testing.T) {
	vmGroup := "kubevirt.io"
	for _, tc := range []struct {
		name  string
		flags restoreOptions
		want  snapshotapi.VirtualMachineRestore
	}{{
		name:  "defaults: in place, strict, a generated name, the API's deadline",
		flags: restoreOptions{mode: modeStrict},
		want: snapshotapi.VirtualMachineRestore{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "snap-restore-"},
			Spec:       snapshotapi.VirtualMachineRestoreSpec{VirtualMachineSnapshotName: "snap", Mode: snapshotapi.RestoreModeStrict},
		},
	}, {
		name: "every flag",
		flags: restoreOptions{name: "r1", to: "vm2", renames: []string{"pvc/vm-disk0=vm2-disk0", "vm-ci=vm2-ci"}, mode: modeBestEffort,
			stopTarget: true, volumePolicy: "prefix-target-name", deadline: 90 * time.Second, deadlineSet: true},
		want: snapshotapi.VirtualMachineRestore{
			ObjectMeta: metav1.ObjectMeta{Name: "r1"},
			Spec: snapshotapi.VirtualMachineRestoreSpec{
				VirtualMachineSnapshotName: "snap",
				Target:                     &corev1.TypedLocalObjectReference{APIGroup: &vmGroup, Kind: "VirtualMachine", Name: "vm2"},
				NameReplacements:           []snapshotapi.NameReplacement{rename("PersistentVolumeClaim", "vm-disk0", "vm2-disk0"), rename("", "vm-ci", "vm2-ci")},
				Mode:                       snapshotapi.RestoreModeBestEffort,
				TargetReadinessPolicy:      snapshotapi.TargetReadinessStopTarget,
				VolumeRestorePolicy:        snapshotapi.VolumeRestorePrefixTargetName,
				FailureDeadline:            &metav1.Duration{Duration: 90 * time.Second},
			},
		},
	}, {
		name:  "the API's spellings are accepted too; --deadline 0 is no deadline",
		flags: restoreOptions{mode: "BestEffort", volumePolicy: "InPlace", deadlineSet: true},
		want: snapshotapi.VirtualMachineRestore{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "snap-restore-"},
			Spec: snapshotapi.VirtualMachineRestoreSpec{VirtualMachineSnapshotName: "snap", Mode: snapshotapi.RestoreModeBestEffort,
				VolumeRestorePolicy: snapshotapi.VolumeRestoreInPlace, FailureDeadline: &metav1.Duration{}},
		},
	}, {
		name:  "a dry run: mode DryRun, a short deadline, a name that says so",
		flags: restoreOptions{mode: modeBestEffort, dryRun: true},
		want: snapshotapi.VirtualMachineRestore{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "snap-dryrun-"},
			Spec: snapshotapi.VirtualMachineRestoreSpec{VirtualMachineSnapshotName: "snap", Mode: snapshotapi.RestoreModeDryRun,
				FailureDeadline: &metav1.Duration{Duration: dryRunDeadline}},
		},
	}} {
		got, err := tc.flags.restoreFor("snap")
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, *got, tc.want)
		}
	}
}

func TestRestoreForRefusesBadFlags(t *testing.T) {
	for _, tc := range []struct {
		flags   restoreOptions
		wantErr string
	}{
		{restoreOptions{mode: "yolo"}, `--mode "yolo": use strict or best-effort`},
		{restoreOptions{mode: "DryRun"}, `--mode "DryRun"`},
		{restoreOptions{mode: modeStrict, to: "New_VM"}, `--to "New_VM" is not a valid VM name`},
		{restoreOptions{mode: modeStrict, name: "R1"}, `--name "R1" is not a valid name`},
		{restoreOptions{mode: modeStrict, volumePolicy: "random"}, `--volume-restore-policy "random"`},
		{restoreOptions{mode: modeStrict, deadline: -time.Second, deadlineSet: true}, "--deadline -1s: must not be negative"},
		{restoreOptions{mode: modeStrict, renames: []string{"disk"}}, `--rename "disk"`},
	} {
		_, err := tc.flags.restoreFor("snap")
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) || exitCode(err) != ExitUsage {
			t.Errorf("%+v: error %v (exit %d), want a usage error saying %q", tc.flags, err, exitCode(err), tc.wantErr)
		}
	}
}

// conflictingPlan is the plan of an in-place dry run whose Secret changed
// since the snapshot, in the controller's order.
func conflictingPlan() []snapshotapi.RestoredResource {
	return []snapshotapi.RestoredResource{
		{APIVersion: "kubevirt.io/v1", Kind: "VirtualMachine", Name: "vm", Result: snapshotapi.ResourceReplaced, Message: "spec replaced by the one in snapshot snap"},
		{APIVersion: "v1", Kind: "PersistentVolumeClaim", Name: "restore-1-disk1", Result: snapshotapi.ResourceCreated, Message: "restored from VolumeSnapshot vs-1"},
		{APIVersion: "v1", Kind: "PersistentVolumeClaim", Name: "restore-1-disk0", Result: snapshotapi.ResourceCreated, Message: "restored from VolumeSnapshot vs-0"},
		{APIVersion: "v1", Kind: "Secret", Name: "vm-cloudinit", Result: snapshotapi.ResourceConflict, Message: "Secret vm-cloudinit exists with data that differs from the snapshot's"},
		{APIVersion: "v1", Kind: "Secret", Name: "vm-ssh", Result: snapshotapi.ResourceUnchanged, Message: "exists with the snapshot's data"},
	}
}

func dryRun(phase snapshotapi.RestorePhase, target string, resources []snapshotapi.RestoredResource) *snapshotapi.VirtualMachineRestore {
	return &snapshotapi.VirtualMachineRestore{
		ObjectMeta: metav1.ObjectMeta{Name: "snap-dryrun-x"},
		Spec:       snapshotapi.VirtualMachineRestoreSpec{VirtualMachineSnapshotName: "snap", Mode: snapshotapi.RestoreModeDryRun},
		Status: snapshotapi.VirtualMachineRestoreStatus{Phase: phase, Complete: ptr.To(false), TargetName: ptr.To(target),
			Resources: resources},
	}
}

func TestWritePlanTable(t *testing.T) {
	var out bytes.Buffer
	if err := writePlanTable(&out, conflictingPlan(), false); err != nil {
		t.Fatal(err)
	}
	want := `OBJECT            KIND                    RESULT      WHY
vm                VirtualMachine          Replaced    spec replaced by the one in snapshot snap
restore-1-disk0   PersistentVolumeClaim   Created     restored from VolumeSnapshot vs-0
restore-1-disk1   PersistentVolumeClaim   Created     restored from VolumeSnapshot vs-1
vm-cloudinit      Secret                  Conflict    Secret vm-cloudinit exists with data that differs from the snapshot's
vm-ssh            Secret                  Unchanged   exists with the snapshot's data
`
	if out.String() != want {
		t.Errorf("the plan table:\n%s\nwant:\n%s", out.String(), want)
	}

	// On a terminal every result is coloured, each code as long as the
	// others, so that the WHY column stays aligned.
	out.Reset()
	if err := writePlanTable(&out, conflictingPlan(), true); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	why := -1
	for i, line := range lines {
		if !strings.Contains(line, "\x1b[") {
			t.Errorf("row %d %q: the result is not coloured", i, line)
		}
		at := strings.Index(line, "\x1b[0m") + len("\x1b[0m")
		at += len(line[at:]) - len(strings.TrimLeft(line[at:], " "))
		if why >= 0 && at != why {
			t.Errorf("row %d: WHY starts at byte %d, others at %d:\n%s", i, at, why, out.String())
		}
		why = at
	}
}

func TestJudgeDryRun(t *testing.T) {
	clean := conflictingPlan()
	clean[3].Result, clean[3].Message = snapshotapi.ResourceUnchanged, "exists with the snapshot's data"
	diskConflict := append(conflictingPlan(), snapshotapi.RestoredResource{Kind: "PersistentVolumeClaim", Name: "vm-disk0",
		Result: snapshotapi.ResourceConflict, Message: "PersistentVolumeClaim vm-disk0 exists and was not created by this restore"})
	newVM := func(message string) []snapshotapi.RestoredResource {
		return []snapshotapi.RestoredResource{{Kind: "VirtualMachine", Name: "vm2", Result: snapshotapi.ResourceConflict, Message: message}}
	}
	failed := dryRun(snapshotapi.RestoreFailed, "vm", nil)
	failed.Status.Error = &snapshotapi.Error{Message: ptr.To("the restore could not start within its failureDeadline of 1m0s: VolumeSnapshot vs-0 of volume disk0 is not ready to use")}

	for _, tc := range []struct {
		name       string
		restore    *snapshotapi.VirtualMachineRestore
		mode       snapshotapi.RestoreMode
		targetRuns bool
		wantFails  bool
		wantText   string
	}{
		{"strict, no conflict", dryRun(snapshotapi.RestoreReady, "vm", clean), snapshotapi.RestoreModeStrict, false, false,
			"Restoring snapshot snap in place into VirtualMachine vm would create 2, replace 1 and leave 2 unchanged. No conflict: a strict restore would succeed. Nothing was changed."},
		{"strict, a Secret in conflict", dryRun(snapshotapi.RestoreReady, "vm", conflictingPlan()), snapshotapi.RestoreModeStrict, false, true,
			"Restoring snapshot snap in place into VirtualMachine vm would create 2, replace 1 and leave 1 unchanged. 1 conflict: a strict restore would fail. With --mode best-effort it would skip it. Nothing was changed."},
		{"best-effort skips a Secret", dryRun(snapshotapi.RestoreReady, "vm", conflictingPlan()), snapshotapi.RestoreModeBestEffort, false, false,
			"1 conflict, which a best-effort restore would skip: Secret vm-cloudinit."},
		{"best-effort cannot skip a disk", dryRun(snapshotapi.RestoreReady, "vm", diskConflict), snapshotapi.RestoreModeBestEffort, false, true,
			"2 conflicts; a best-effort restore cannot skip PersistentVolumeClaim vm-disk0, and would fail."},
		{"strict, a disk: best-effort would not help", dryRun(snapshotapi.RestoreReady, "vm", diskConflict), snapshotapi.RestoreModeStrict, false, true,
			"2 conflicts: a strict restore would fail. To restore the disk under another name: --rename pvc/vm-disk0=NEW_NAME. Nothing was changed."},
		{"best-effort drops a MAC in use", dryRun(snapshotapi.RestoreReady, "vm2", newVM("MAC address 02:00:00:00:00:01 of interface default is used by VirtualMachine ns/vm")),
			snapshotapi.RestoreModeBestEffort, false, false, "as a new VirtualMachine vm2 would change nothing. 1 conflict, which a best-effort restore would skip"},
		{"a target that is another VM fails any mode", dryRun(snapshotapi.RestoreReady, "vm2", newVM("VirtualMachine vm2 exists and is not the VM snapshot snap was taken of (vm)")),
			snapshotapi.RestoreModeBestEffort, false, true, "cannot skip VirtualMachine vm2"},
		{"a running target", dryRun(snapshotapi.RestoreReady, "vm", clean), snapshotapi.RestoreModeStrict, true, false,
			"VirtualMachine vm is running: the restore would wait for it to stop, and fail if it still runs at its deadline (--stop-target stops it)."},
		{"a dry run that failed", failed, snapshotapi.RestoreModeStrict, false, true,
			"The dry run failed: the restore could not start within its failureDeadline of 1m0s: VolumeSnapshot vs-0 of volume disk0 is not ready to use. Nothing was changed."},
	} {
		got := judgeDryRun(tc.restore, tc.mode, tc.targetRuns)
		if got.fails != tc.wantFails || !strings.Contains(got.text, tc.wantText) {
			t.Errorf("%s: fails=%v, %q; want fails=%v and the text to say %q", tc.name, got.fails, got.text, tc.wantFails, tc.wantText)
		}
		if got.fails && got.failure == "" {
			t.Errorf("%s: fails without an error message", tc.name)
		}
	}
}

func TestRestoreSummary(t *testing.T) {
	created := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	newVM := &snapshotapi.VirtualMachineRestore{
		ObjectMeta: metav1.ObjectMeta{Name: "r1", CreationTimestamp: created},
		Spec:       snapshotapi.VirtualMachineRestoreSpec{VirtualMachineSnapshotName: "snap"},
		Status: snapshotapi.VirtualMachineRestoreStatus{
			Phase: snapshotapi.RestoreReady, Complete: ptr.To(true), TargetName: ptr.To("vm2"),
			RestoreTime: ptr.To(metav1.NewTime(created.Add(3 * time.Second))),
			Resources: []snapshotapi.RestoredResource{
				{Kind: "Secret", Name: "vm-ci", Result: snapshotapi.ResourceSkipped, Message: "Secret vm-ci exists with data that differs from the snapshot's; it is left as it is"},
				{Kind: "PersistentVolumeClaim", Name: "vm2-disk0", Result: snapshotapi.ResourceCreated},
				{Kind: "VirtualMachine", Name: "vm2", Result: snapshotapi.ResourceCreated},
			},
		},
	}
	want := "Restore r1 is Ready: snapshot snap restored as a new VirtualMachine vm2, created stopped, in 3s. " +
		"Created: VirtualMachine vm2, PersistentVolumeClaim vm2-disk0. " +
		"Skipped: Secret vm-ci (Secret vm-ci exists with data that differs from the snapshot's; it is left as it is). Start it with: virtctl start vm2"
	if got := restoreSummary(newVM, false); got != want {
		t.Errorf("summary of a new VM:\n got %q\nwant %q", got, want)
	}
	if got := restoreSummary(newVM, true); !strings.Contains(got, "\x1b[32mReady\x1b[0m") {
		t.Errorf("summary on a terminal %q: want Ready in green", got)
	}

	inPlace := newVM.DeepCopy()
	inPlace.Status.TargetName = ptr.To("vm")
	inPlace.Status.Resources = []snapshotapi.RestoredResource{{Kind: "VirtualMachine", Name: "vm", Result: snapshotapi.ResourceReplaced}}
	if got, want := restoreSummary(inPlace, false), "Restore r1 is Ready: VirtualMachine vm restored in place from snapshot snap, in 3s. Replaced: VirtualMachine vm."; got != want {
		t.Errorf("summary in place:\n got %q\nwant %q", got, want)
	}

	failed := newVM.DeepCopy()
	failed.Status = snapshotapi.VirtualMachineRestoreStatus{Phase: snapshotapi.RestoreFailed, Error: &snapshotapi.Error{
		Time: ptr.To(metav1.NewTime(created.Add(time.Second))), Message: ptr.To("1 conflict (mode Strict), nothing was changed: PersistentVolumeClaim vm-disk0 exists"),
	}, Resources: []snapshotapi.RestoredResource{{Kind: "PersistentVolumeClaim", Name: "vm-disk0", Result: snapshotapi.ResourceConflict,
		Message: "PersistentVolumeClaim vm-disk0 exists and was not created by this restore"}}}
	if got, want := restoreSummary(failed, false), "Restore r1 of snapshot snap failed after 1s: 1 conflict (mode Strict), nothing was changed: PersistentVolumeClaim vm-disk0 exists. "+
		"To restore the disk under another name: --rename pvc/vm-disk0=NEW_NAME."; got != want {
		t.Errorf("summary of a failure:\n got %q\nwant %q", got, want)
	}
}

func TestRestoreProgressLine(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := &snapshotapi.VirtualMachineRestore{
		ObjectMeta: metav1.ObjectMeta{Name: "r1", CreationTimestamp: metav1.NewTime(created)},
		Status: snapshotapi.VirtualMachineRestoreStatus{
			Phase:      snapshotapi.RestoreInProgress,
			Conditions: []metav1.Condition{{Type: snapshotapi.ConditionReady, Status: metav1.ConditionFalse, Reason: "StoppingTarget"}},
			Restores: []snapshotapi.VolumeRestore{
				{VolumeName: "disk0", PersistentVolumeClaimName: "c0"}, {VolumeName: "disk1", PersistentVolumeClaimName: "c1"},
			},
		},
	}
	line, ticking := restoreProgress{restore: r, claims: map[string]bool{"c1": true}, created: 2}.line(created.Add(4500 * time.Millisecond))
	if want := "restore r1: InProgress (StoppingTarget) · volumes 1/2 restored · 2 objects created"; line != want {
		t.Errorf("line %q, want %q", line, want)
	}
	if ticking != " · 4s" {
		t.Errorf("ticking %q, want the whole seconds elapsed", ticking)
	}
	fresh := &snapshotapi.VirtualMachineRestore{ObjectMeta: metav1.ObjectMeta{Name: "r1"}}
	if line, _ := (restoreProgress{restore: fresh}).line(created); line != "restore r1: Pending" {
		t.Errorf("a restore the controller has not seen yet: %q", line)
	}
}

func TestRestoreUIDLabelIsTheControllers(t *testing.T) {
	if restoreUIDLabel != restore.LabelRestoreUID {
		t.Errorf("restoreUIDLabel %q, but the controller labels with %q", restoreUIDLabel, restore.LabelRestoreUID)
	}
}

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

package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"
	"sigs.k8s.io/yaml"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/restore"
	"vmsnap.io/vmsnap/tests/framework"
)

// newRestoreWorld is a stopped VM "vm" with one disk (claim vm-disk0) and a
// cloud-init Secret (vm-cloudinit), and a Ready snapshot "snap" of it, the
// VM released by the snapshot.
func newRestoreWorld(t *testing.T) *framework.Framework {
	f := framework.New(t)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("vmrestores in %s:\n%s", f.Namespace, f.DescribeRestores(context.Background()))
		}
	})
	f.CreateVM("vm", framework.WithPVCDisks(1), framework.WithCloudInit())
	f.CreateSnapshot("snap", "vm")
	f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	f.WaitForVMSnapshotInProgress("vm", "")
	return f
}

// requireNoRestoreLeft waits until the namespace has no VirtualMachineRestore:
// a dry run deletes the one it made.
func requireNoRestoreLeft(t *testing.T, f *framework.Framework) {
	t.Helper()
	f.Eventually("vmrestores in "+f.Namespace, "none left by a dry run", framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		list, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineRestores(f.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		var names []string
		for _, r := range list.Items {
			names = append(names, r.Name)
		}
		return len(names) == 0, fmt.Sprintf("%v", names), nil
	})
}

// restoredObjects counts the claims and VMs that carry the label of any
// restore: those a restore created.
func restoredObjects(t *testing.T, f *framework.Framework) int {
	t.Helper()
	byARestore := metav1.ListOptions{LabelSelector: restore.LabelRestoreUID}
	claims, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).List(f.Context(), byARestore)
	if err != nil {
		t.Fatal(err)
	}
	vms, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).List(f.Context(), byARestore)
	if err != nil {
		t.Fatal(err)
	}
	return len(claims.Items) + len(vms.Items)
}

// TestRestoreToANewVMWithWait follows a restore into a new VM: off a
// terminal, one progress line per change, then the summary.
func TestRestoreToANewVMWithWait(t *testing.T) {
	f := newRestoreWorld(t)
	r := plugin(t, f, "restore", "snap", "--name", "r1", "--to", "vm2", "--rename", "pvc/vm-disk0=vm2-disk0", "--wait")
	wantCode(t, r, 0)
	requireNoEscapes(t, r)
	golden(t, f, "restore-new-vm-wait", lastLine(r.Stdout))
	progress := progressLines(r.Stdout)
	if progress[0] != "Restore r1 of snapshot snap created; waiting for it (Ctrl-C stops the waiting, not the restore)." {
		t.Errorf("first line %q: want the note that it waits", progress[0])
	}
	for _, line := range progress[1:] {
		if !strings.HasPrefix(line, "restore r1: ") {
			t.Errorf("progress line %q: want restore r1: PHASE ...", line)
		}
	}
	if last := progress[len(progress)-1]; !strings.HasPrefix(last, "restore r1: Ready · volumes 1/1 restored · 2 objects created · ") {
		t.Errorf("last progress line %q: want Ready with the disk and the two objects (VM, claim) created", last)
	}
	if r.Stderr != "" {
		t.Errorf("stderr %q, want nothing", r.Stderr)
	}
	vm := f.GetVM("vm2")
	if vm.Spec.RunStrategy == nil || *vm.Spec.RunStrategy != kubevirtv1.RunStrategyHalted {
		t.Errorf("VM vm2 run strategy %v, want Halted: a new VM is created stopped", vm.Spec.RunStrategy)
	}
	if claim := f.GetClaim("vm2-disk0"); claim.Spec.DataSource == nil || claim.Spec.DataSource.Kind != "VolumeSnapshot" {
		t.Errorf("claim vm2-disk0 has data source %+v, want the VolumeSnapshot of disk0", claim.Spec.DataSource)
	}
	if got := f.GetRestore("r1"); got.Status.Phase != snapshotapi.RestoreReady {
		t.Errorf("restore r1 is %s, want Ready", got.Status.Phase)
	}
}

// TestRestoreWithoutATerminalOnlyCreates: off a terminal --wait is off,
// and the command prints what kubectl create prints, or the object (-o).
func TestRestoreWithoutATerminalOnlyCreates(t *testing.T) {
	f := newRestoreWorld(t)
	r := plugin(t, f, "restore", "snap", "--name", "r2", "--to", "vm3", "--rename", "pvc/vm-disk0=vm3-disk0")
	wantCode(t, r, 0)
	requireNoEscapes(t, r)
	if want := "virtualmachinerestore.snapshot.vmsnap.io/r2 created\n"; r.Stdout != want {
		t.Errorf("stdout %q, want %q", r.Stdout, want)
	}
	if r.Stderr != "" {
		t.Errorf("stderr %q: without --wait nothing is followed", r.Stderr)
	}
	f.WaitForRestorePhase("r2", snapshotapi.RestoreReady, framework.DefaultTimeout)

	r = plugin(t, f, "restore", "snap", "--to", "vm4", "--rename", "pvc/vm-disk0=vm4-disk0", "--stop-target", "-o", "json")
	wantCode(t, r, 0)
	requireNoEscapes(t, r)
	var printed snapshotapi.VirtualMachineRestore
	if err := json.Unmarshal([]byte(r.Stdout), &printed); err != nil {
		t.Fatalf("-o json printed %q: %v", r.Stdout, err)
	}
	if printed.Kind != "VirtualMachineRestore" || printed.APIVersion != snapshotapi.SchemeGroupVersion.String() {
		t.Errorf("-o json printed an object of kind %q, apiVersion %q; want VirtualMachineRestore, %s", printed.Kind, printed.APIVersion, snapshotapi.SchemeGroupVersion)
	}
	if !strings.HasPrefix(printed.Name, "snap-restore-") || printed.Spec.Target == nil || printed.Spec.Target.Name != "vm4" ||
		printed.Spec.TargetReadinessPolicy != snapshotapi.TargetReadinessStopTarget {
		t.Errorf("-o json printed %s with spec %+v; want a generated name snap-restore-..., target vm4, StopTarget", printed.Name, printed.Spec)
	}
	f.WaitForRestorePhase(printed.Name, snapshotapi.RestoreReady, framework.DefaultTimeout)

	// With --wait and -o, stdout is the object as it ended; the progress
	// and the summary go to stderr.
	r = plugin(t, f, "restore", "snap", "--name", "r5", "--to", "vm5", "--rename", "pvc/vm-disk0=vm5-disk0", "--wait", "-o", "yaml")
	wantCode(t, r, 0)
	requireNoEscapes(t, r)
	var ended snapshotapi.VirtualMachineRestore
	if err := yaml.Unmarshal([]byte(r.Stdout), &ended); err != nil {
		t.Fatalf("--wait -o yaml printed %q: %v", r.Stdout, err)
	}
	if ended.Kind != "VirtualMachineRestore" || ended.Status.Phase != snapshotapi.RestoreReady {
		t.Errorf("--wait -o yaml printed kind %q in phase %q; want the VirtualMachineRestore, Ready", ended.Kind, ended.Status.Phase)
	}
	if !strings.Contains(r.Stderr, "Restore r5 is Ready: snapshot snap restored as a new VirtualMachine vm5") {
		t.Errorf("stderr %q: want the summary", r.Stderr)
	}
}

// TestRestoreThatFailsUnderWaitExitsThree: a new VM whose disk keeps the
// name of the source's claim, which the source VM uses, is a conflict that
// fails a Strict restore; the summary says why and the command exits 3.
func TestRestoreThatFailsUnderWaitExitsThree(t *testing.T) {
	f := newRestoreWorld(t)
	r := plugin(t, f, "restore", "snap", "--name", "r-fail", "--to", "vm2", "--wait")
	wantCode(t, r, 3)
	requireNoEscapes(t, r)
	golden(t, f, "restore-failed-wait", lastLine(r.Stdout))
	if !strings.Contains(r.Stderr, `error: restore "r-fail" failed`) {
		t.Errorf("stderr %q: want the failure as the error", r.Stderr)
	}
	if _, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(f.Context(), "vm2", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("VM vm2 exists (err %v); a failed Strict restore creates nothing", err)
	}
}

// TestRestoreDryRun asks for the plan of an in-place restore: clean, then
// with the VM's Secret changed since the snapshot, a conflict that fails a
// Strict restore and that BestEffort skips. Each dry run is deleted and
// nothing is changed.
func TestRestoreDryRun(t *testing.T) {
	f := newRestoreWorld(t)
	before := f.GetVM("vm")

	r := plugin(t, f, "restore", "snap", "--dry-run")
	wantCode(t, r, 0)
	requireNoEscapes(t, r)
	golden(t, f, "restore-dry-run-clean", r.Stdout)

	secret, err := f.Kube.CoreV1().Secrets(f.Namespace).Get(f.Context(), framework.CloudInitSecretName("vm"), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	secret.Data["userdata"] = []byte("#cloud-config\n# changed since the snapshot\n")
	if _, err := f.Kube.CoreV1().Secrets(f.Namespace).Update(f.Context(), secret, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	r = plugin(t, f, "restore", "snap", "--dry-run")
	wantCode(t, r, 3)
	requireNoEscapes(t, r)
	golden(t, f, "restore-dry-run-conflict-strict", r.Stdout)
	if !strings.Contains(r.Stderr, "error: a strict restore would fail: 1 conflict (Secret vm-cloudinit)") {
		t.Errorf("stderr %q: want the error to say a strict restore would fail, and on what", r.Stderr)
	}

	r = plugin(t, f, "restore", "snap", "--dry-run", "--mode", "best-effort")
	wantCode(t, r, 0)
	requireNoEscapes(t, r)
	golden(t, f, "restore-dry-run-conflict-best-effort", r.Stdout)

	r = plugin(t, f, "restore", "snap", "--dry-run", "-o", "json")
	wantCode(t, r, 3)
	var printed snapshotapi.VirtualMachineRestore
	if err := json.Unmarshal([]byte(r.Stdout), &printed); err != nil {
		t.Fatalf("--dry-run -o json printed %q: %v", r.Stdout, err)
	}
	if printed.Kind != "VirtualMachineRestore" || printed.Spec.Mode != snapshotapi.RestoreModeDryRun || len(printed.Status.Resources) == 0 {
		t.Errorf("--dry-run -o json printed kind %q, mode %q, %d resources; want the DryRun restore with its plan",
			printed.Kind, printed.Spec.Mode, len(printed.Status.Resources))
	}

	requireNoRestoreLeft(t, f)
	if n := restoredObjects(t, f); n != 0 {
		t.Errorf("%d claims or VMs made by a restore exist; a dry run makes none", n)
	}
	if after := f.GetVM("vm"); after.Generation != before.Generation {
		t.Errorf("VM vm went from generation %d to %d; a dry run leaves it alone", before.Generation, after.Generation)
	}
	if got, _ := f.Kube.CoreV1().Secrets(f.Namespace).Get(f.Context(), framework.CloudInitSecretName("vm"), metav1.GetOptions{}); got == nil ||
		!strings.Contains(string(got.Data["userdata"]), "changed since the snapshot") {
		t.Errorf("the VM's Secret was changed by a dry run")
	}
}

// TestRestoreInterruptedKeepsTheRestore: Ctrl-C while waiting for an
// in-place restore of a running VM (which waits for the VM to stop) ends
// the command with 130 and says how to watch again; the restore goes on.
func TestRestoreInterruptedKeepsTheRestore(t *testing.T) {
	f := newRestoreWorld(t)
	f.StartVM(f.GetVM("vm"), false)

	r := interruptPlugin(t, f, func(printed func() string) {
		f.Eventually("the plugin's stdout", "the restore waiting for the VM to stop", framework.DefaultTimeout, func(context.Context) (bool, string, error) {
			return strings.Contains(printed(), "restore r-int: Pending (TargetRunning)"), printed(), nil
		})
	}, "restore", "snap", "--name", "r-int", "--wait")
	wantCode(t, r, 130)
	requireNoEscapes(t, r)
	for _, want := range []string{
		"Warning: VM vm is running; the restore waits for it to stop",
		"error: stopped waiting; the operation goes on in the cluster (kubectl vmsnap wait r-int to watch it again)",
	} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr does not say %q", want)
		}
	}
	if got := f.GetRestore("r-int"); got.DeletionTimestamp != nil || got.Status.Phase != snapshotapi.RestorePending {
		t.Errorf("restore r-int after Ctrl-C: phase %s, deleting %v; want it Pending, untouched", got.Status.Phase, got.DeletionTimestamp != nil)
	}
}

// TestRestoreOnATerminal runs the plugin under a pseudo-terminal
// (script(1)): restore waits by default and redraws its line in place, the
// summary and the plan's results are coloured, and NO_COLOR turns the
// colours off.
func TestRestoreOnATerminal(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script(1) is not installed: no pseudo-terminal to test with")
	}
	f := newRestoreWorld(t)
	out := onATerminal(t, f, nil, "restore", "snap", "--name", "tty", "--to", "vm6", "--rename", "pvc/vm-disk0=vm6-disk0")
	if !strings.Contains(out, "\r\x1b[K") {
		t.Errorf("on a terminal the progress was not redrawn in place:\n%q", out)
	}
	if !strings.Contains(out, "Restore tty is \x1b[32mReady\x1b[0m: snapshot snap restored as a new VirtualMachine vm6") {
		t.Errorf("on a terminal restore did not wait by default, or did not colour Ready:\n%q", out)
	}
	out = onATerminal(t, f, nil, "restore", "snap", "--dry-run")
	if !strings.Contains(out, "\x1b[33mReplaced\x1b[0m") || !strings.Contains(out, "\x1b[39mUnchanged\x1b[0m") {
		t.Errorf("on a terminal the plan's results are not coloured:\n%q", out)
	}
	out = onATerminal(t, f, []string{"NO_COLOR=1"}, "restore", "snap", "--dry-run")
	if strings.Contains(out, "\x1b[3") || !strings.Contains(out, "Replaced") {
		t.Errorf("NO_COLOR=1 still coloured the plan:\n%q", out)
	}
}

// TestRestoreCompletion: Tab completes the snapshot names for SNAPSHOT and
// the modes for --mode.
func TestRestoreCompletion(t *testing.T) {
	f := framework.New(t)
	f.CreateSnapshot("before-upgrade", "vm")
	f.CreateSnapshot("nightly", "vm")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"__complete", "restore", "be"}, "before-upgrade\n:4\n"},
		{[]string{"__complete", "restore", ""}, "before-upgrade\nnightly\n:4\n"},
		{[]string{"__complete", "restore", "nightly", "--mode", ""}, "strict\nbest-effort\n:4\n"},
		{[]string{"__complete", "restore", "nightly", "--to", ""}, ":4\n"},
	} {
		r := plugin(t, f, tc.args...)
		wantCode(t, r, 0)
		if r.Stdout != tc.want {
			t.Errorf("%v: completed %q, want %q", tc.args, r.Stdout, tc.want)
		}
	}
}

// TestRestoreRefusesWhatCannotWork: a missing snapshot (exit 1) and
// malformed flags (exit 2), each said clearly on stderr, and no restore
// created.
func TestRestoreRefusesWhatCannotWork(t *testing.T) {
	f := framework.New(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"restore", "nope"}, 1, `error: snapshot "nope" not found in namespace "` + f.Namespace + `"`},
		{[]string{"restore", "nope", "--dry-run"}, 1, `error: snapshot "nope" not found`},
		{[]string{"restore", "snap", "--rename", "vm-disk0"}, 2, `error: --rename "vm-disk0": no '='; want KIND/OLD=NEW`},
		{[]string{"restore", "snap", "--rename", "pod/a=b"}, 2, `--rename "pod/a=b": unknown kind "pod"`},
		{[]string{"restore", "snap", "--rename", "pvc/a=Not_A_Name"}, 2, `NEW name "Not_A_Name" is not a valid name`},
		{[]string{"restore", "snap", "--rename", "pvc/a=b", "--rename", "pvc/a=c"}, 2, "--rename renames a twice"},
		{[]string{"restore", "snap", "--mode", "yolo"}, 2, `--mode "yolo": use strict or best-effort`},
		{[]string{"restore", "snap", "--dry-run", "--wait=false"}, 2, "--dry-run waits for the plan"},
		{[]string{"restore"}, 2, "restore takes 1 argument(s): [SNAPSHOT]; got 0"},
	} {
		r := plugin(t, f, tc.args...)
		wantCode(t, r, tc.code)
		requireNoEscapes(t, r)
		if !strings.Contains(r.Stderr, tc.want) {
			t.Errorf("%v: stderr %q does not say %q", tc.args, r.Stderr, tc.want)
		}
		if r.Stdout != "" {
			t.Errorf("%v: printed %q to stdout", tc.args, r.Stdout)
		}
	}
	list, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineRestores(f.Namespace).List(f.Context(), metav1.ListOptions{})
	if err != nil || len(list.Items) != 0 {
		t.Errorf("restores were created (err %v): %d", err, len(list.Items))
	}
}

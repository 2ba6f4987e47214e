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
	"os/exec"
	"regexp"
	"strings"
	"testing"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
	"vmsnap.io/vmsnap/tests/csidriver"
	"vmsnap.io/vmsnap/tests/framework"
)

// lastLine is the last non-empty line of out: the summary of a wait.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[len(lines)-1]
}

// progressLines are the lines of out before the summary.
func progressLines(out string) []string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[:len(lines)-1]
}

// TestCreateWaitsForAStoppedVM: create --wait on a stopped VM with two
// disks follows it to Ready, prints a summary that says it is consistent
// because the VM was stopped, and returns only once the VM is unlocked.
func TestCreateWaitsForAStoppedVM(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("stopped", framework.WithPVCDisks(2))
	r := plugin(t, f, "create", vm.Name, "--name", "snap", "--wait")
	wantCode(t, r, 0)
	golden(t, f, "create-stopped", lastLine(r.Stdout))
	progress := regexp.MustCompile(`^(Snapshot snap of VM stopped created; waiting for it .*|snapshot snap: (Pending|InProgress|Ready)( \(\w+\))?( · disks [0-2]/2 cut, [0-2]/2 ready)? · \d+s)$`)
	for _, l := range progressLines(r.Stdout) {
		if !progress.MatchString(l) {
			t.Errorf("progress line %q is not of the expected shape", l)
		}
	}
	if got := f.GetVM(vm.Name).Status.SnapshotInProgress; got != nil {
		t.Errorf("create --wait returned while VM %s is still locked by snapshot %s", vm.Name, *got)
	}
	if s := f.GetSnapshot("snap"); s.Status.Phase != snapshotapi.SnapshotReady {
		t.Errorf("snapshot is %s after create --wait returned 0", s.Status.Phase)
	}
}

// TestCreateShowsTheFreezeOfARunningVM: with cuts that take seconds, the
// progress shows the disks not yet cut and the guest frozen, and the
// summary says the guest agent froze it.
func TestCreateShowsTheFreezeOfARunningVM(t *testing.T) {
	f := framework.New(t)
	slow := f.CreateStorageClass(map[string]string{csidriver.ParamCutDelay: "3s", csidriver.ParamReadyDelay: "2s"})
	vm := f.CreateVM("running", framework.WithPVCDisk("data", slow), framework.WithPVCDisk("logs", slow))
	f.StartVM(vm, true)
	r := plugin(t, f, "create", vm.Name, "--name", "snap", "--wait", "--retain")
	wantCode(t, r, 0)
	golden(t, f, "create-running", lastLine(r.Stdout))
	out := r.Stdout
	for _, want := range []string{"disks 0/2 cut, 0/2 ready · guest frozen", "disks 2/2 cut, 0/2 ready"} {
		if !strings.Contains(out, want) {
			t.Errorf("the progress never showed %q", want)
		}
	}
	s := f.GetSnapshot("snap")
	if s.Spec.DeletionPolicy != snapshotapi.DeletionPolicyRetain {
		t.Errorf("--retain made deletionPolicy %q", s.Spec.DeletionPolicy)
	}
	if f.Frozen(vm.Name) {
		t.Errorf("the guest is frozen after create --wait returned")
	}
}

// TestCreateWithoutWait prints kubectl's line when not on a terminal, and
// "wait" follows the snapshot afterwards; -o json prints the object.
func TestCreateWithoutWait(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	r := plugin(t, f, "create", vm.Name, "--name", "first")
	wantCode(t, r, 0)
	golden(t, f, "create-nowait", r.Stdout)
	r = plugin(t, f, "wait", "first")
	wantCode(t, r, 0)
	if !strings.HasPrefix(lastLine(r.Stdout), "Snapshot first of VM vm is Ready: 1 disk") {
		t.Errorf("wait printed %q", lastLine(r.Stdout))
	}

	r = plugin(t, f, "create", vm.Name, "-o", "json", "--consistency", "best-effort", "--deadline", "7m")
	wantCode(t, r, 0)
	for _, want := range []string{`"kind": "VirtualMachineSnapshot"`, `"requiredConsistency": false`, `"failureDeadline": "7m0s"`, `"name": "vm-20`} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("create -o json does not contain %s:\n%s", want, r.Stdout)
		}
	}
	if strings.Contains(r.Stdout, "managedFields") {
		t.Errorf("create -o json prints managedFields, which kubectl leaves out")
	}
	requireNoEscapes(t, r)
}

// TestCreateFailedSnapshotExitsThree: a running VM without guest agent
// and consistency required cannot be snapshotted; past the deadline the
// snapshot fails, and create --wait says why and exits 3.
func TestCreateFailedSnapshotExitsThree(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("noagent", framework.WithPVCDisks(1))
	f.StartVM(vm, false)
	r := plugin(t, f, "create", vm.Name, "--name", "snap", "--wait", "--consistency", "required", "--deadline", "3s")
	wantCode(t, r, 3)
	golden(t, f, "create-failed", lastLine(r.Stdout))
	if !strings.Contains(r.Stdout, "snapshot snap: Pending (NoGuestAgent)") {
		t.Errorf("the progress never said why the snapshot waited:\n%s", r.Stdout)
	}
	if !strings.Contains(r.Stderr, `error: snapshot "snap" failed`) {
		t.Errorf("stderr %q", r.Stderr)
	}
}

// TestCreateErrors: what cannot be created is refused with a clear message.
func TestCreateErrors(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	wantCode(t, plugin(t, f, "create", vm.Name, "--name", "taken"), 0)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"create", "no-such-vm"}, 1, `virtual machine "no-such-vm" not found in namespace "` + f.Namespace + `"`},
		{[]string{"create", vm.Name, "--name", "taken"}, 1, `a snapshot named "taken" already exists`},
		{[]string{"create", vm.Name, "--consistency", "sometimes"}, 2, `--consistency "sometimes": use required or best-effort`},
		{[]string{"create", vm.Name, "--name", strings.Repeat("x", 64)}, 2, "at most 63"},
		{[]string{"create"}, 2, "create takes 1 argument(s): [VM]"},
		{[]string{"wait", "nothing-here"}, 1, `no snapshot, restore or disk snapshot named "nothing-here"`},
		{[]string{"wait", "pod/taken"}, 2, `write NAME, snapshot/NAME, restore/NAME or disksnapshot/NAME`},
	} {
		r := plugin(t, f, tc.args...)
		if r.Code != tc.code || !strings.Contains(r.Stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, r.Code, r.Stderr, tc.code, tc.want)
		}
	}
}

// TestWaitTimesOut: --timeout gives up with exit 1; the snapshot goes on.
func TestWaitTimesOut(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("noagent", framework.WithPVCDisks(1))
	f.StartVM(vm, false)
	wantCode(t, plugin(t, f, "create", vm.Name, "--name", "stuck", "--deadline", "10m"), 0)
	r := plugin(t, f, "wait", "snapshot/stuck", "--timeout", "2s")
	wantCode(t, r, 1)
	if !strings.Contains(r.Stderr, `timed out after 2s waiting for snapshot "stuck"; it goes on in the cluster`) {
		t.Errorf("stderr %q", r.Stderr)
	}
	if s := f.GetSnapshot("stuck"); s.DeletionTimestamp != nil || s.Status.Phase == snapshotapi.SnapshotFailed {
		t.Errorf("the timed-out wait touched the snapshot: %s", s.Status.Phase)
	}
}

// TestCtrlCStopsTheWaitNotTheSnapshot: SIGINT during create --wait ends
// the command with 130 and a hint; the snapshot still becomes Ready.
func TestCtrlCStopsTheWaitNotTheSnapshot(t *testing.T) {
	f := framework.New(t)
	slow := f.CreateStorageClass(map[string]string{csidriver.ParamCutDelay: "4s"})
	vm := f.CreateVM("vm", framework.WithPVCDisk("data", slow))
	r := interruptPlugin(t, f, func(func() string) {
		f.WaitForSnapshot("snap", "InProgress", framework.DefaultTimeout, func(s *snapshotapi.VirtualMachineSnapshot) bool {
			return s.Status.Phase == snapshotapi.SnapshotInProgress
		})
	}, "create", vm.Name, "--name", "snap", "--wait")
	wantCode(t, r, 130)
	if want := "stopped waiting; the operation goes on in the cluster (kubectl vmsnap wait snap to watch it again)"; !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr %q does not say %q", r.Stderr, want)
	}
	f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
}

// TestProgressOnATerminal runs create --wait under a pseudo-terminal
// (script(1)): the line is redrawn in place, --wait is the default, the
// phase is coloured; NO_COLOR turns the colours off.
func TestProgressOnATerminal(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script(1) is not installed: no pseudo-terminal to test with")
	}
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	out := onATerminal(t, f, nil, "create", vm.Name, "--name", "tty")
	if !strings.Contains(out, "\r\x1b[K") {
		t.Errorf("on a terminal the progress was not redrawn in place:\n%q", out)
	}
	if !strings.Contains(out, "Snapshot tty of VM vm is \x1b[32mReady\x1b[0m: 1 disk") {
		t.Errorf("on a terminal create did not wait by default:\n%q", out)
	}
	out = onATerminal(t, f, []string{"NO_COLOR=1"}, "create", vm.Name, "--name", "plain")
	if strings.Contains(out, "\x1b[32m") || !strings.Contains(out, "is Ready: 1 disk") {
		t.Errorf("NO_COLOR=1 still coloured the output:\n%q", out)
	}
}

// TestCompletion: Tab completes VM names for create and snapshot and
// restore names for wait, and the completion scripts are generated.
func TestCompletion(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("alpha", framework.WithPVCDisks(1))
	f.CreateVM("beta", framework.WithPVCDisks(1))
	wantCode(t, plugin(t, f, "create", vm.Name, "--name", "alpha-snap"), 0)
	r := plugin(t, f, "__complete", "create", "")
	wantCode(t, r, 0)
	golden(t, f, "complete-create", r.Stdout)
	r = plugin(t, f, "__complete", "wait", "al")
	wantCode(t, r, 0)
	golden(t, f, "complete-wait", r.Stdout)
	r = plugin(t, f, "__complete", "create", "alpha", "--consistency", "")
	wantCode(t, r, 0)
	golden(t, f, "complete-consistency", r.Stdout)
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		r := plugin(t, f, "completion", shell)
		wantCode(t, r, 0)
		if !strings.Contains(r.Stdout, "kubectl-vmsnap") {
			t.Errorf("completion %s does not complete kubectl-vmsnap", shell)
		}
	}
}

// TestWaitForARestore: wait follows a restore made without --wait to its
// summary, found by its bare name and by restore/NAME.
func TestWaitForARestore(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	wantCode(t, plugin(t, f, "create", vm.Name, "--name", "snap", "--wait"), 0)
	wantCode(t, plugin(t, f, "restore", "snap", "--name", "back", "--to", "copy", "--rename", "pvc/vm-disk0=copy-disk0", "--wait=false"), 0)
	for _, arg := range []string{"back", "restore/back"} {
		r := plugin(t, f, "wait", arg)
		wantCode(t, r, 0)
		if !strings.HasPrefix(lastLine(r.Stdout), "Restore back is Ready: snapshot snap restored as a new VirtualMachine copy") {
			t.Errorf("wait %s printed %q", arg, lastLine(r.Stdout))
		}
	}
}

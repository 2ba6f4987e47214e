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
	"encoding/json"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
	"vmsnap.io/vmsnap/tests/framework"
)

// treeJSONNode is tree -o json's node, as a script reads it.
type treeJSONNode struct {
	Kind, Name, Absence, Phase string
	ReadyToUse                 *bool
	Children                   []treeJSONNode
}

// kinds lists the kinds of a tree, depth first.
func (n treeJSONNode) kinds() []string {
	out := []string{n.Kind}
	for _, c := range n.Children {
		out = append(out, c.kinds()...)
	}
	return out
}

// TestTreeOfSnapshotAndVM draws a snapshot of a VM with two disks and a
// cloud-init Secret, the VM with its snapshot and a restore into a new VM,
// and that new VM; then a snapshot that lost its Secret copy.
func TestTreeOfSnapshotAndVM(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2), framework.WithCloudInit())
	snapshotAndRelease(f, "snap", vm.Name)
	f.CreateRestore("restore", "snap",
		framework.Rename("VirtualMachine", "vm", "vm2"),
		framework.Rename("PersistentVolumeClaim", framework.ClaimName("vm", "disk0"), "vm2-disk0"),
		framework.Rename("PersistentVolumeClaim", framework.ClaimName("vm", "disk1"), "vm2-disk1"),
		framework.Rename("Secret", framework.CloudInitSecretName("vm"), framework.CloudInitSecretName("vm2")))
	f.WaitForRestorePhase("restore", snapshotapi.RestoreReady, framework.DefaultTimeout)

	ofSnapshot := plugin(t, f, "tree", "snap")
	wantCode(t, ofSnapshot, 0)
	golden(t, f, "tree-snapshot", maskHandles(ofSnapshot.Stdout))

	ofVM := plugin(t, f, "tree", "vm/vm")
	wantCode(t, ofVM, 0)
	golden(t, f, "tree-vm", maskHandles(ofVM.Stdout))

	// No snapshot is named vm2: the bare name finds the VM.
	ofRestored := plugin(t, f, "tree", "vm2")
	wantCode(t, ofRestored, 0)
	golden(t, f, "tree-restored-vm", maskHandles(ofRestored.Stdout))
	if ofRestored.Stderr != "" {
		t.Errorf("tree vm2 wrote %q to stderr; the name is not ambiguous", ofRestored.Stderr)
	}

	asJSON := plugin(t, f, "tree", "snap", "-o", "json")
	wantCode(t, asJSON, 0)
	var root treeJSONNode
	if err := json.Unmarshal([]byte(asJSON.Stdout), &root); err != nil {
		t.Fatalf("tree -o json is not JSON: %v\n%s", err, asJSON.Stdout)
	}
	want := "VirtualMachineSnapshot VirtualMachineSnapshotContent VolumeSnapshot VolumeSnapshotContent VolumeSnapshot VolumeSnapshotContent Secret"
	if got := strings.Join(root.kinds(), " "); got != want || root.Phase != "Ready" || root.Name != "snap" {
		t.Errorf("tree -o json: %s %s (%s), kinds %s; want snap Ready with %s", root.Kind, root.Name, root.Phase, got, want)
	}

	// A snapshot whose Secret copy was deleted shows it missing.
	content := f.ContentOf(f.GetSnapshot("snap"))
	if len(content.Spec.SecretBackups) != 1 {
		t.Fatalf("content %s has %d Secret copies, want 1", content.Name, len(content.Spec.SecretBackups))
	}
	copyName := content.Spec.SecretBackups[0].BackupSecretName
	if err := f.Kube.CoreV1().Secrets(f.Namespace).Delete(f.Context(), copyName, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("deleting the Secret copy %s: %v", copyName, err)
	}
	broken := plugin(t, f, "tree", "snapshot/snap")
	wantCode(t, broken, 0)
	if !strings.Contains(broken.Stdout, "Secret/"+copyName+" [<missing>] copy of Secret vm-cloudinit") {
		t.Errorf("tree of a snapshot without its Secret copy does not show it missing:\n%s", broken.Stdout)
	}
	requireNoEscapes(t, ofSnapshot, ofVM, ofRestored, asJSON, broken)
}

// TestTreeNames: a bare name of both a disk snapshot and a VM draws the
// disk snapshot and says how to ask for the VM; unknown names exit 1, a
// wrong prefix exits 2.
func TestTreeNames(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("shared", framework.WithPVCDisks(1))
	f.CreateDiskSnapshot("shared", framework.ClaimName(vm.Name, "disk0"))
	f.WaitForDiskSnapshotPhase("shared", snapshotapi.SnapshotReady, framework.DefaultTimeout)

	ambiguous := plugin(t, f, "tree", "shared")
	wantCode(t, ambiguous, 0)
	if !strings.HasPrefix(ambiguous.Stdout, "VirtualDiskSnapshot/shared [Ready") {
		t.Errorf("tree shared drew\n%s\nwant the disk snapshot", ambiguous.Stdout)
	}
	if !strings.Contains(ambiguous.Stderr, "vm/shared for the VirtualMachine") {
		t.Errorf("tree shared: stderr %q does not say how to ask for the VM", ambiguous.Stderr)
	}
	golden(t, f, "tree-disk-snapshot", maskHandles(ambiguous.Stdout))

	theVM := plugin(t, f, "tree", "vm/shared")
	wantCode(t, theVM, 0)
	if !strings.HasPrefix(theVM.Stdout, "VirtualMachine/shared") || !strings.Contains(theVM.Stdout, "└─ VirtualDiskSnapshot/shared [Ready") {
		t.Errorf("tree vm/shared drew\n%s\nwant the VM with its disk snapshot", theVM.Stdout)
	}

	for _, tc := range []struct {
		arg  string
		code int
		says string
	}{
		{"nothing", 1, `no VM snapshot, disk snapshot or VM named "nothing" in namespace ` + f.Namespace},
		{"snapshot/shared", 1, `VirtualMachineSnapshot "shared" not found`},
		{"vm/nothing", 1, `VirtualMachine "nothing" not found`},
		{"pod/shared", 2, "write NAME, vm/NAME, snapshot/NAME or disksnapshot/NAME"},
	} {
		r := plugin(t, f, "tree", tc.arg)
		wantCode(t, r, tc.code)
		if !strings.Contains(r.Stderr, tc.says) || r.Stdout != "" {
			t.Errorf("tree %s: stdout %q stderr %q; want only the error %q", tc.arg, r.Stdout, r.Stderr, tc.says)
		}
	}
	requireNoEscapes(t, ambiguous, theVM)

	// Tab completes snapshot, disk snapshot and VM names, each once.
	f.CreateVM("solo")
	complete := plugin(t, f, "__complete", "tree", "s")
	wantCode(t, complete, 0)
	golden(t, f, "tree-complete", complete.Stdout)
}

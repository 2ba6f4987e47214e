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
	"regexp"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
	"vmsnap.io/vmsnap/tests/framework"
)

// snapshotAndRelease takes a snapshot of a VM and waits until it is Ready
// and the VM is released (the controller unlocks the VM after the Ready
// write).
func snapshotAndRelease(f *framework.Framework, name, vmName string) *snapshotapi.VirtualMachineSnapshot {
	f.CreateSnapshot(name, vmName)
	s := f.WaitForSnapshotPhase(name, snapshotapi.SnapshotReady, framework.DefaultTimeout)
	f.WaitForVMSnapshotInProgress(vmName, "")
	return s
}

// afterCreationSecond waits until the clock is past the second an object
// was created in, so that the next object is newer by creationTimestamp
// (whole seconds) and list's order is the order of creation.
func afterCreationSecond(created metav1.Time) {
	if wait := time.Until(created.Add(time.Second)); wait > 0 {
		time.Sleep(wait)
	}
}

// snapshotHandle is the test CSI driver's snapshot ID, random per run.
var snapshotHandle = regexp.MustCompile(`\bsnap-[0-9a-f]{16}\b`)

// maskHandles replaces the snapshot handles, which golden's masks leave.
func maskHandles(s string) string { return snapshotHandle.ReplaceAllString(s, "snap-<HANDLE>") }

// TestListSnapshots lists VM and disk snapshots, Ready and Failed, newest
// first: all of the namespace, one VM's, none, across namespaces and as
// data.
func TestListSnapshots(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2))
	other := f.CreateVM("other", framework.WithPVCDisks(1))

	first := snapshotAndRelease(f, "vm-first", vm.Name)
	afterCreationSecond(first.CreationTimestamp)
	f.CreateDiskSnapshot("vm-disk0-copy", framework.ClaimName(vm.Name, "disk0"))
	disk := f.WaitForDiskSnapshotPhase("vm-disk0-copy", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	afterCreationSecond(disk.CreationTimestamp)
	others := snapshotAndRelease(f, "other-snap", other.Name)
	afterCreationSecond(others.CreationTimestamp)
	// A snapshot of a VM that never comes fails at its deadline.
	f.CreateSnapshot("ghost-snap", "ghost", framework.FailureDeadline(2*time.Second))
	f.WaitForSnapshotPhase("ghost-snap", snapshotapi.SnapshotFailed, framework.DefaultTimeout)

	all := plugin(t, f, "list")
	wantCode(t, all, 0)
	golden(t, f, "list-all", all.Stdout)

	ofVM := plugin(t, f, "list", vm.Name)
	wantCode(t, ofVM, 0)
	golden(t, f, "list-vm", ofVM.Stdout)

	// A VM without snapshots: nothing on stdout, a sentence on stderr.
	lonely := f.CreateVM("lonely")
	none := plugin(t, f, "list", lonely.Name)
	wantCode(t, none, 0)
	if none.Stdout != "" || none.Stderr != "No snapshots of VM lonely found in "+f.Namespace+" namespace.\n" {
		t.Errorf("list of a VM without snapshots: stdout %q stderr %q", none.Stdout, none.Stderr)
	}

	asJSON := plugin(t, f, "list", "-o", "json")
	wantCode(t, asJSON, 0)
	var list struct {
		APIVersion, Kind string
		Items            []struct {
			APIVersion, Kind string
			Metadata         struct {
				Name          string
				ManagedFields []any
			}
		}
	}
	if err := json.Unmarshal([]byte(asJSON.Stdout), &list); err != nil {
		t.Fatalf("list -o json is not JSON: %v\n%s", err, asJSON.Stdout)
	}
	var got []string
	for _, item := range list.Items {
		got = append(got, item.Kind+"/"+item.Metadata.Name)
		if item.APIVersion != "snapshot.vmsnap.io/v1alpha1" || len(item.Metadata.ManagedFields) > 0 {
			t.Errorf("item %s: apiVersion %q, %d managedFields; want the group's version and none", item.Metadata.Name, item.APIVersion, len(item.Metadata.ManagedFields))
		}
	}
	want := "VirtualMachineSnapshot/ghost-snap VirtualMachineSnapshot/other-snap VirtualDiskSnapshot/vm-disk0-copy VirtualMachineSnapshot/vm-first"
	if list.APIVersion != "v1" || list.Kind != "List" || strings.Join(got, " ") != want {
		t.Errorf("list -o json: %s %s with %v; want a v1 List of %s", list.APIVersion, list.Kind, got, want)
	}

	asYAML := plugin(t, f, "list", vm.Name, "-o", "yaml")
	wantCode(t, asYAML, 0)
	var yamlList struct {
		Kind  string `json:"kind"`
		Items []any  `json:"items"`
	}
	if err := yaml.Unmarshal([]byte(asYAML.Stdout), &yamlList); err != nil || yamlList.Kind != "List" || len(yamlList.Items) != 2 {
		t.Errorf("list vm -o yaml: %v, kind %q, %d items; want a List of 2:\n%s", err, yamlList.Kind, len(yamlList.Items), asYAML.Stdout)
	}

	// Across namespaces each row says its namespace.
	everywhere := plugin(t, f, "list", "-A")
	wantCode(t, everywhere, 0)
	if !strings.HasPrefix(everywhere.Stdout, "NAMESPACE") {
		t.Errorf("list -A has no NAMESPACE column:\n%s", everywhere.Stdout)
	}
	for _, name := range []string{"ghost-snap", "other-snap", "vm-disk0-copy", "vm-first"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(f.Namespace) + ` +` + name + ` `).MatchString(everywhere.Stdout) {
			t.Errorf("list -A has no row %s %s:\n%s", f.Namespace, name, everywhere.Stdout)
		}
	}
	requireNoEscapes(t, all, ofVM, none, asJSON, asYAML, everywhere)

	// Tab completes VM names for list, VM snapshot names for diff.
	completeList := plugin(t, f, "__complete", "list", "")
	wantCode(t, completeList, 0)
	golden(t, f, "list-complete", completeList.Stdout)
	completeDiff := plugin(t, f, "__complete", "diff", "")
	wantCode(t, completeDiff, 0)
	golden(t, f, "diff-complete", completeDiff.Stdout)
}

// TestListEmptyAndErrors: an empty namespace is no error; a VM that
// neither exists nor was snapshotted is one (exit 1); wrong arguments
// exit 2.
func TestListEmptyAndErrors(t *testing.T) {
	f := framework.New(t)
	empty := plugin(t, f, "list")
	wantCode(t, empty, 0)
	if empty.Stdout != "" {
		t.Errorf("list in an empty namespace printed %q to stdout", empty.Stdout)
	}
	golden(t, f, "list-empty", empty.Stderr)

	asJSON := plugin(t, f, "list", "-o", "json")
	wantCode(t, asJSON, 0)
	if squeeze(strings.Join(strings.Fields(asJSON.Stdout), " ")) != `{ "kind": "List", "apiVersion": "v1", "metadata": {}, "items": [] }` {
		t.Errorf("list -o json in an empty namespace: %q, want an empty List", asJSON.Stdout)
	}

	typo := plugin(t, f, "list", "no-such-vm")
	wantCode(t, typo, 1)
	if !strings.Contains(typo.Stderr, `VirtualMachine "no-such-vm" not found in namespace `+f.Namespace) {
		t.Errorf("list of an unknown VM said %q", typo.Stderr)
	}
	for _, args := range [][]string{{"list", "a", "b"}, {"list", "-A", "vm"}, {"list", "-o", "wide"}} {
		r := plugin(t, f, args...)
		wantCode(t, r, 2)
		if r.Stdout != "" {
			t.Errorf("%v printed %q to stdout", args, r.Stdout)
		}
	}
	requireNoEscapes(t, empty, typo)
}

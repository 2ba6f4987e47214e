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
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vmsnap.io/vmsnap/tests/framework"
)

// Invalid snapshots are refused by the apiserver when they are applied,
// with a message that tells the user what is wrong.
func TestInvalidSpecsAreRejected(t *testing.T) {
	f := framework.New(t)

	f.CreateSnapshot("immutable", "vm", framework.FailureDeadline(shortDeadline))
	_, err := f.Kubectl("patch", "vmsnapshot", "immutable", "--type=merge", "-p", `{"spec":{"failureDeadline":"1h"}}`)
	if err == nil || !strings.Contains(err.Error(), "spec is immutable") {
		t.Errorf("kubectl patch of the spec: want an error saying the spec is immutable; got %v", err)
	}
	if got := f.GetSnapshot("immutable").Spec.FailureDeadline.Duration; got != shortDeadline {
		t.Errorf("failureDeadline changed to %s", got)
	}

	for _, tc := range []struct {
		name        string
		objectName  string
		source      string
		spec        string
		wantMessage string
	}{{
		name:        "name longer than a label value",
		objectName:  strings.Repeat("n", 64),
		wantMessage: "metadata.name must be at most 63 characters",
	}, {
		name:        "wrong kind",
		source:      "{apiGroup: kubevirt.io, kind: VirtualMachineInstance, name: vm}",
		wantMessage: "source must be {apiGroup: kubevirt.io, kind: VirtualMachine}",
	}, {
		name:        "wrong apiGroup",
		source:      "{apiGroup: snapshot.vmsnap.io, kind: VirtualMachine, name: vm}",
		wantMessage: "source must be {apiGroup: kubevirt.io, kind: VirtualMachine}",
	}, {
		name:        "no apiGroup",
		source:      "{kind: VirtualMachine, name: vm}",
		wantMessage: "source must be {apiGroup: kubevirt.io, kind: VirtualMachine}",
	}, {
		name:        "empty source name",
		source:      `{apiGroup: kubevirt.io, kind: VirtualMachine, name: ""}`,
		wantMessage: "source.name must not be empty",
	}, {
		name:        "negative failureDeadline",
		spec:        "failureDeadline: -1s",
		wantMessage: "failureDeadline must not be negative",
	}, {
		name:        "unknown deletionPolicy",
		spec:        "deletionPolicy: Keep",
		wantMessage: `spec.deletionPolicy: Unsupported value: "Keep"`,
	}, {
		name:        "unknown volumeSelection",
		spec:        "volumeSelection: Some",
		wantMessage: `spec.volumeSelection: Unsupported value: "Some"`,
	}, {
		name:        "unknown keepIPAddress",
		spec:        "keepIPAddress: Sometimes",
		wantMessage: `spec.keepIPAddress: Unsupported value: "Sometimes"`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			source := tc.source
			if source == "" {
				source = "{apiGroup: kubevirt.io, kind: VirtualMachine, name: vm}"
			}
			name := tc.objectName
			if name == "" {
				name = "invalid"
			}
			manifest := "apiVersion: snapshot.vmsnap.io/v1alpha1\nkind: VirtualMachineSnapshot\nmetadata:\n  name: " + name + "\nspec:\n  source: " + source + "\n"
			if tc.spec != "" {
				manifest += "  " + tc.spec + "\n"
			}
			_, err := f.Kubectl("apply", "-f", writeManifest(t, manifest))
			if err == nil {
				_, _ = f.Kubectl("delete", "vmsnapshot", name, "--wait=false")
				t.Fatalf("kubectl apply accepted:\n%s", manifest)
			}
			if !strings.Contains(err.Error(), tc.wantMessage) {
				t.Errorf("kubectl apply: want an error saying %q; got: %v", tc.wantMessage, err)
			}
		})
	}
}

func writeManifest(t *testing.T, manifest string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vmsnapshot.yaml")
	if err := os.WriteFile(path, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

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
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vmsnap.io/vmsnap/tests/framework"
)

// Valid parts of specs, in flow YAML, for the rows that break something else.
const (
	vmSource = "{apiGroup: kubevirt.io, kind: VirtualMachine, name: vm}"
	// importedVM is a content's source as a user would bring one to import.
	importedVM = "{apiVersion: kubevirt.io/v1, kind: VirtualMachine, metadata: {name: vm}, spec: {runStrategy: Halted, template: {spec: {domain: {devices: {}}}}}}"
	volume     = "{volumeName: disk0, persistentVolumeClaim: {name: vm-disk0, spec: {}}}"
)

// malformed is a manifest the API server must refuse, and what the refusal
// must say.
type malformed struct {
	name string
	// objectName is the manifest's metadata.name; "malformed" if empty.
	objectName string
	// spec is the manifest's spec in flow YAML; none if empty.
	spec string
	// field is the path the refusal must name, and reason what it must say
	// about it, on the same line.
	field, reason string
}

// Malformed manifests of the four kinds are refused when they are applied,
// before any controller sees them, with a message that names the field at
// fault and says what is wrong with it. Changes to existing objects are
// refused by TestInvalidSpecsAreRejected and TestContentIsWriteOnce here,
// and by the restore and disk snapshot suites.
func TestMalformedManifestsAreRefused(t *testing.T) {
	f := framework.New(t)
	for _, kind := range []struct {
		kind string
		rows []malformed
	}{{"VirtualMachineSnapshot", []malformed{
		{name: "name longer than a label value", objectName: strings.Repeat("n", 64), spec: "{source: " + vmSource + "}",
			field: "metadata.name", reason: "must be at most 63 characters"},
		{name: "no source", spec: "{failureDeadline: 1m}", field: "spec.source", reason: "Required value"},
		{name: "source of another kind", spec: "{source: {apiGroup: kubevirt.io, kind: VirtualMachineInstance, name: vm}}",
			field: "spec.source", reason: "source must be {apiGroup: kubevirt.io, kind: VirtualMachine} or {apiGroup: snapshot.vmsnap.io, kind: VirtualMachineSnapshotContent}"},
		{name: "source of another apiGroup", spec: "{source: {apiGroup: snapshot.vmsnap.io, kind: VirtualMachine, name: vm}}",
			field: "spec.source", reason: "source must be {apiGroup: kubevirt.io, kind: VirtualMachine}"},
		{name: "content source in the kubevirt.io group", spec: "{source: {apiGroup: kubevirt.io, kind: VirtualMachineSnapshotContent, name: c}}",
			field: "spec.source", reason: "source must be {apiGroup: kubevirt.io, kind: VirtualMachine}"},
		{name: "source without apiGroup", spec: "{source: {kind: VirtualMachine, name: vm}}",
			field: "spec.source", reason: "source must be {apiGroup: kubevirt.io, kind: VirtualMachine}"},
		{name: "source without a name", spec: "{source: {apiGroup: kubevirt.io, kind: VirtualMachine}}", field: "spec.source.name", reason: "Required value"},
		{name: "empty source name", spec: `{source: {apiGroup: kubevirt.io, kind: VirtualMachine, name: ""}}`, field: "spec.source", reason: "source.name must not be empty"},
		{name: "negative failureDeadline", spec: "{source: " + vmSource + ", failureDeadline: -1s}",
			field: "spec.failureDeadline", reason: "failureDeadline must be a non-negative duration"},
		{name: "failureDeadline not a duration", spec: "{source: " + vmSource + ", failureDeadline: 5 minutes}",
			field: "spec.failureDeadline", reason: "failureDeadline must be a non-negative duration"},
		{name: "unknown deletionPolicy", spec: "{source: " + vmSource + ", deletionPolicy: Keep}", field: "spec.deletionPolicy", reason: `Unsupported value: "Keep"`},
		{name: "unknown volumeSelection", spec: "{source: " + vmSource + ", volumeSelection: Some}", field: "spec.volumeSelection", reason: `Unsupported value: "Some"`},
		{name: "unknown keepIPAddress", spec: "{source: " + vmSource + ", keepIPAddress: Sometimes}", field: "spec.keepIPAddress", reason: `Unsupported value: "Sometimes"`},
		{name: "requiredConsistency not a boolean", spec: "{source: " + vmSource + ", requiredConsistency: sometimes}",
			field: "spec.requiredConsistency", reason: "must be of type boolean"},
		{name: "volumeSnapshotClasses entry without a StorageClass", spec: "{source: " + vmSource + `, volumeSnapshotClasses: [{storageClassName: "", volumeSnapshotClassName: fast}]}`,
			field: "spec.volumeSnapshotClasses[0].storageClassName", reason: "should be at least 1 chars long"},
		{name: "two volumeSnapshotClasses for one StorageClass", spec: "{source: " + vmSource + ", volumeSnapshotClasses: [{storageClassName: fast, volumeSnapshotClassName: a}, {storageClassName: fast, volumeSnapshotClassName: b}]}",
			field: "spec.volumeSnapshotClasses[1]", reason: "Duplicate value"},
		{name: "more volumeSnapshotClasses than allowed", spec: "{source: " + vmSource + ", volumeSnapshotClasses: " + flowList(65, "{storageClassName: sc%[1]d, volumeSnapshotClassName: vsc%[1]d}") + "}",
			field: "spec.volumeSnapshotClasses", reason: "must have at most 64 items"},
	}}, {"VirtualDiskSnapshot", []malformed{
		{name: "name longer than a label value", objectName: strings.Repeat("n", 64), spec: "{virtualDiskName: disk}",
			field: "metadata.name", reason: "must be at most 63 characters"},
		{name: "no spec", field: "spec", reason: "Required value"},
		{name: "no virtualDiskName", spec: "{failureDeadline: 1m}", field: "spec.virtualDiskName", reason: "Required value"},
		{name: "empty virtualDiskName", spec: `{virtualDiskName: ""}`, field: "spec.virtualDiskName", reason: "should be at least 1 chars long"},
		{name: "virtualDiskName longer than a name", spec: "{virtualDiskName: " + strings.Repeat("d", 254) + "}", field: "spec.virtualDiskName", reason: "Too long"},
		{name: "negative failureDeadline", spec: "{virtualDiskName: disk, failureDeadline: -1s}",
			field: "spec.failureDeadline", reason: "failureDeadline must be a non-negative duration"},
	}}, {"VirtualMachineRestore", []malformed{
		{name: "no snapshot", spec: "{mode: DryRun}", field: "spec.virtualMachineSnapshotName", reason: "Required value"},
		{name: "empty snapshot name", spec: `{virtualMachineSnapshotName: ""}`, field: "spec.virtualMachineSnapshotName", reason: "should be at least 1 chars long"},
		{name: "target of another kind", spec: `{virtualMachineSnapshotName: snap, target: {apiGroup: "", kind: Pod, name: p}}`,
			field: "spec.target", reason: "target must be {apiGroup: kubevirt.io, kind: VirtualMachine}"},
		{name: "target without apiGroup", spec: "{virtualMachineSnapshotName: snap, target: {kind: VirtualMachine, name: vm}}",
			field: "spec.target", reason: "target must be {apiGroup: kubevirt.io, kind: VirtualMachine}"},
		{name: "target with an empty name", spec: `{virtualMachineSnapshotName: snap, target: {apiGroup: kubevirt.io, kind: VirtualMachine, name: ""}}`,
			field: "spec.target", reason: "target.name must not be empty"},
		{name: "target with an invalid name", spec: "{virtualMachineSnapshotName: snap, target: {apiGroup: kubevirt.io, kind: VirtualMachine, name: Not_A_VM}}",
			field: "spec.target", reason: "target.name must be a valid VirtualMachine name"},
		{name: "target with a name too long", spec: "{virtualMachineSnapshotName: snap, target: {apiGroup: kubevirt.io, kind: VirtualMachine, name: " + strings.Repeat("v", 254) + "}}",
			field: "spec.target", reason: "target.name must be a valid VirtualMachine name"},
		{name: "negative failureDeadline", spec: "{virtualMachineSnapshotName: snap, failureDeadline: -1s}",
			field: "spec.failureDeadline", reason: "failureDeadline must be a non-negative duration"},
		{name: "unknown mode", spec: "{virtualMachineSnapshotName: snap, mode: Sometimes}", field: "spec.mode", reason: `Unsupported value: "Sometimes"`},
		{name: "unknown targetReadinessPolicy", spec: "{virtualMachineSnapshotName: snap, targetReadinessPolicy: Never}",
			field: "spec.targetReadinessPolicy", reason: `Unsupported value: "Never"`},
		{name: "unknown volumeRestorePolicy", spec: "{virtualMachineSnapshotName: snap, volumeRestorePolicy: Random}",
			field: "spec.volumeRestorePolicy", reason: `Unsupported value: "Random"`},
		{name: "nameReplacement to an invalid name", spec: "{virtualMachineSnapshotName: snap, nameReplacements: [{from: {name: vm}, to: Not_A_Name}]}",
			field: "spec.nameReplacements[0].to", reason: "should match"},
		{name: "second nameReplacement to an invalid name", spec: "{virtualMachineSnapshotName: snap, nameReplacements: [{from: {name: vm}, to: vm2}, {from: {name: disk0}, to: Disk0}]}",
			field: "spec.nameReplacements[1].to", reason: "should match"},
		{name: "nameReplacement to an empty name", spec: `{virtualMachineSnapshotName: snap, nameReplacements: [{from: {name: vm}, to: ""}]}`,
			field: "spec.nameReplacements[0].to", reason: "should be at least 1 chars long"},
		{name: "nameReplacement of an unknown kind", spec: "{virtualMachineSnapshotName: snap, nameReplacements: [{from: {kind: ConfigMap, name: vm}, to: vm2}]}",
			field: "spec.nameReplacements[0].from.kind", reason: `Unsupported value: "ConfigMap"`},
		{name: "nameReplacement without a name", spec: "{virtualMachineSnapshotName: snap, nameReplacements: [{from: {kind: VirtualMachine}, to: vm2}]}",
			field: "spec.nameReplacements[0].from.name", reason: "Required value"},
		{name: "nameReplacement with an empty name", spec: `{virtualMachineSnapshotName: snap, nameReplacements: [{from: {name: ""}, to: vm2}]}`,
			field: "spec.nameReplacements[0].from.name", reason: "should be at least 1 chars long"},
		{name: "two claims renamed to one name", spec: "{virtualMachineSnapshotName: snap, nameReplacements: [{from: {kind: PersistentVolumeClaim, name: disk0}, to: shared}, {from: {kind: PersistentVolumeClaim, name: disk1}, to: shared}]}",
			field: "spec.nameReplacements", reason: "nameReplacements rename two objects of the same kind to the same name"},
		{name: "a claim and an object of any kind renamed to one name", spec: "{virtualMachineSnapshotName: snap, nameReplacements: [{from: {kind: PersistentVolumeClaim, name: disk0}, to: shared}, {from: {name: ci}, to: shared}]}",
			field: "spec.nameReplacements", reason: "nameReplacements rename two objects of the same kind to the same name"},
		{name: "one object renamed twice", spec: "{virtualMachineSnapshotName: snap, nameReplacements: [{from: {kind: PersistentVolumeClaim, name: disk0}, to: a}, {from: {name: disk0}, to: b}]}",
			field: "spec.nameReplacements", reason: "nameReplacements rename one object twice"},
		{name: "more nameReplacements than allowed", spec: "{virtualMachineSnapshotName: snap, nameReplacements: " + flowList(129, "{from: {name: vm%[1]d}, to: new%[1]d}") + "}",
			field: "spec.nameReplacements", reason: "must have at most 128 items"},
	}}, {"VirtualMachineSnapshotContent", []malformed{
		{name: "no spec", field: "spec", reason: "Required value"},
		{name: "no source", spec: "{volumeBackups: [" + volume + "]}", field: "spec.source", reason: "Required value"},
		{name: "source without a VM", spec: "{source: {}}", field: "spec.source.virtualMachine", reason: "Required value"},
		{name: "source of another kind", spec: "{source: {virtualMachine: {apiVersion: v1, kind: Pod, metadata: {name: vm}, spec: {}}}}",
			field: "spec.source.virtualMachine", reason: "virtualMachine must be a kubevirt.io/v1 VirtualMachine"},
		{name: "source of another version", spec: "{source: {virtualMachine: {apiVersion: kubevirt.io/v1alpha3, kind: VirtualMachine, metadata: {name: vm}, spec: {}}}}",
			field: "spec.source.virtualMachine", reason: "virtualMachine must be a kubevirt.io/v1 VirtualMachine"},
		{name: "source without a name", spec: "{source: {virtualMachine: {apiVersion: kubevirt.io/v1, kind: VirtualMachine, metadata: {labels: {a: b}}, spec: {}}}}",
			field: "spec.source.virtualMachine", reason: "virtualMachine must have metadata.name"},
		{name: "source without apiVersion", spec: "{source: {virtualMachine: {kind: VirtualMachine, metadata: {name: vm}, spec: {}}}}",
			field: "spec.source.virtualMachine.apiVersion", reason: "Required value"},
		{name: "unknown deletionPolicy", spec: "{source: {virtualMachine: " + importedVM + "}, deletionPolicy: Keep}", field: "spec.deletionPolicy", reason: `Unsupported value: "Keep"`},
		{name: "more volumeBackups than allowed", spec: "{source: {virtualMachine: " + importedVM + "}, volumeBackups: " + flowList(257, "{volumeName: disk%[1]d, persistentVolumeClaim: {name: vm-disk%[1]d, spec: {}}}") + "}",
			field: "spec.volumeBackups", reason: "must have at most 256 items"},
		{name: "volumeBackup without a claim", spec: "{source: {virtualMachine: " + importedVM + "}, volumeBackups: [{volumeName: disk0, volumeSnapshotName: vs}]}",
			field: "spec.volumeBackups[0].persistentVolumeClaim", reason: "Required value"},
		{name: "two volumeBackups of one volume", spec: "{source: {virtualMachine: " + importedVM + "}, volumeBackups: [" + volume + ", " + volume + "]}",
			field: "spec.volumeBackups[1]", reason: "Duplicate value"},
		{name: "unknown indication", spec: "{source: {virtualMachine: " + importedVM + "}, indications: [{type: Frozen}]}",
			field: "spec.indications[0].type", reason: `Unsupported value: "Frozen"`},
		{name: "secretBackup without a copy", spec: "{source: {virtualMachine: " + importedVM + "}, secretBackups: [{name: vm-cloudinit}]}",
			field: "spec.secretBackups[0].backupSecretName", reason: "Required value"},
		{name: "two networkIdentity entries for one interface", spec: "{source: {virtualMachine: " + importedVM + `}, networkIdentity: [{name: default, macAddress: "02:00:00:00:00:01"}, {name: default, macAddress: "02:00:00:00:00:02"}]}`,
			field: "spec.networkIdentity[1]", reason: "Duplicate value"},
		{name: "excludedVolume without a reason", spec: "{source: {virtualMachine: " + importedVM + "}, excludedVolumes: [{name: cloudinit}]}",
			field: "spec.excludedVolumes[0].reason", reason: "Required value"},
	}}} {
		t.Run(kind.kind, func(t *testing.T) {
			for _, tc := range kind.rows {
				t.Run(tc.name, func(t *testing.T) {
					objectName := tc.objectName
					if objectName == "" {
						objectName = "malformed"
					}
					manifest := "apiVersion: snapshot.vmsnap.io/v1alpha1\nkind: " + kind.kind + "\nmetadata:\n  name: " + objectName + "\n"
					if tc.spec != "" {
						manifest += "spec: " + tc.spec + "\n"
					}
					path := writeManifest(t, manifest)
					_, err := f.Kubectl("apply", "-f", path)
					if err == nil {
						_, _ = f.Kubectl("delete", "-f", path, "--wait=false")
						t.Fatalf("kubectl apply accepted:\n%s", manifest)
					}
					if !saysOnOneLine(err.Error(), tc.field, tc.reason) {
						t.Errorf("kubectl apply: want a refusal that names %s and says %q; got: %v", tc.field, tc.reason, err)
					}
				})
			}
		})
	}
}

// saysOnOneLine reports whether one line of kubectl's refusal names the
// field (as the path of an error, or in its message) and gives the reason:
// kubectl prints one line per error when there are several.
func saysOnOneLine(refusal, field, reason string) bool {
	for _, line := range strings.Split(refusal, "\n") {
		if strings.Contains(line, reason) && (strings.Contains(line, field+": ") || strings.Contains(line, field+" ")) {
			return true
		}
	}
	return false
}

// flowList is a flow YAML list of n items, each formatted with its index.
func flowList(n int, item string) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(item, i)
	}
	return "[" + strings.Join(items, ", ") + "]"
}

// A snapshot's spec cannot be changed after creation. (Malformed new
// snapshots: TestMalformedManifestsAreRefused.)
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
}

func writeManifest(t *testing.T, manifest string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "manifest.yaml")
	if err := os.WriteFile(path, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

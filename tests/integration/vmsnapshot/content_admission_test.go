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
	"strings"
	"testing"

	"vmsnap.io/vmsnap/tests/framework"
)

// contentManifest is a content as a user would bring one to import: one
// disk, one Secret copy, one interface, one instancetype revision.
func contentManifest(name string) string {
	return `apiVersion: snapshot.vmsnap.io/v1alpha1
kind: VirtualMachineSnapshotContent
metadata:
  name: ` + name + `
spec:
  source:
    virtualMachine: ` + importedVM + `
  volumeBackups:
  - volumeName: disk0
    persistentVolumeClaim: {name: vm-disk0, spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}
    volumeSnapshotName: imported-disk0
  secretBackups:
  - {name: vm-cloudinit, backupSecretName: imported-cloudinit}
  networkIdentity:
  - {name: default, macAddress: "02:00:00:00:00:01"}
  instancetypeRevisions:
  - matcher: Instancetype
    name: vm-small-1
    data: {apiVersion: instancetype.kubevirt.io/v1beta1, kind: VirtualMachineInstancetype, metadata: {name: small}, spec: {cpu: {guest: 1}}}
`
}

// What a content captured is written once: no captured field can be
// changed, removed, or removed and added back. Only the binding changes.
// (Malformed new contents, a source that is not a VirtualMachine among
// them: TestMalformedManifestsAreRefused.)
func TestContentIsWriteOnce(t *testing.T) {
	f := framework.New(t)

	f.MustKubectl("apply", "-f", writeManifest(t, contentManifest("imported")))
	for _, tc := range []struct {
		name, patch, wantMessage string
	}{
		{"volumeBackups changed", `[{"op":"replace","path":"/spec/volumeBackups/0/volumeSnapshotName","value":"someone-elses"}]`, "volumeSnapshotName is immutable"},
		{"a VolumeSnapshot unrecorded", `[{"op":"remove","path":"/spec/volumeBackups/0/volumeSnapshotName"}]`, "volumeSnapshotName can be neither removed nor added"},
		{"a volume backup renamed", `[{"op":"replace","path":"/spec/volumeBackups/0/volumeName","value":"other"}]`, "entries can be neither added nor removed"},
		{"a volume backup added", `[{"op":"add","path":"/spec/volumeBackups/-","value":{"volumeName":"extra","persistentVolumeClaim":{"name":"x","spec":{}}}}]`, "entries can be neither added nor removed"},
		{"a volume backup's claim changed", `[{"op":"replace","path":"/spec/volumeBackups/0/persistentVolumeClaim/name","value":"other"}]`, "persistentVolumeClaim is immutable"},
		{"a single disk moved into a group", `[{"op":"add","path":"/spec/volumeBackups/0/volumeGroupSnapshotName","value":"g"}]`, "its fields can be neither added nor removed"},
		{"volumeBackups removed", `[{"op":"remove","path":"/spec/volumeBackups"}]`, "volumeBackups are immutable"},
		{"secretBackups pointed at another Secret", `[{"op":"replace","path":"/spec/secretBackups/0/backupSecretName","value":"db-password"}]`, "secretBackups are immutable"},
		{"secretBackups removed", `[{"op":"remove","path":"/spec/secretBackups"}]`, "secretBackups are immutable"},
		{"networkIdentity changed", `[{"op":"replace","path":"/spec/networkIdentity/0/macAddress","value":"02:00:00:00:00:02"}]`, "networkIdentity is immutable"},
		{"networkIdentity removed", `[{"op":"remove","path":"/spec/networkIdentity"}]`, "networkIdentity is immutable"},
		{"instancetypeRevisions changed", `[{"op":"replace","path":"/spec/instancetypeRevisions/0/data/spec/cpu/guest","value":8}]`, "instancetypeRevisions are immutable"},
		{"instancetypeRevisions removed", `[{"op":"remove","path":"/spec/instancetypeRevisions"}]`, "instancetypeRevisions are immutable"},
		{"sourceUID added", `[{"op":"add","path":"/spec/sourceUID","value":"someone-elses-vm"}]`, "sourceUID is immutable"},
		{"indications added", `[{"op":"add","path":"/spec/indications","value":[{"type":"Online"}]}]`, "indications are immutable"},
		{"source changed", `[{"op":"replace","path":"/spec/source/virtualMachine/metadata/name","value":"other"}]`, "source is immutable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.Kubectl("patch", "vmsnapshotcontent", "imported", "--type=json", "-p", tc.patch)
			if err == nil {
				t.Fatalf("kubectl patch accepted: %s", tc.name)
			}
			if !strings.Contains(err.Error(), tc.wantMessage) {
				t.Errorf("kubectl patch: want an error saying %q; got: %v", tc.wantMessage, err)
			}
		})
	}
	// The binding is the one thing that changes, as a snapshot binds the content.
	f.MustKubectl("patch", "vmsnapshotcontent", "imported", "--type=merge", "-p", `{"spec":{"virtualMachineSnapshotName":"snap","deletionPolicy":"Retain"}}`)
}

// A disk cut in a group gets its VolumeSnapshot recorded once, when the
// group is cut (snapshot-controller names it); after that it is as
// immutable as any.
func TestGroupedContentRecordsItsVolumeSnapshotOnce(t *testing.T) {
	f := framework.New(t)
	grouped := strings.Replace(contentManifest("grouped"), "    volumeSnapshotName: imported-disk0\n",
		"    volumeGroupSnapshotName: vmsnapshot-uid-group\n    volumeGroupSnapshotClassName: vmsnap-test\n", 1)
	if grouped == contentManifest("grouped") {
		t.Fatal("the manifest has no volumeSnapshotName line to replace")
	}
	f.MustKubectl("apply", "-f", writeManifest(t, grouped))
	record := func(name string) error {
		_, err := f.Kubectl("patch", "vmsnapshotcontent", "grouped", "--type=json", "-p",
			`[{"op":"add","path":"/spec/volumeBackups/0/volumeSnapshotName","value":"`+name+`"}]`)
		return err
	}
	if err := record("snapshot-member"); err != nil {
		t.Fatalf("recording the group's VolumeSnapshot was refused: %v", err)
	}
	if err := record("someone-elses"); err == nil || !strings.Contains(err.Error(), "volumeSnapshotName is immutable") {
		t.Errorf("recording it again: want refused as immutable; got %v", err)
	}
	_, err := f.Kubectl("patch", "vmsnapshotcontent", "grouped", "--type=json", "-p", `[{"op":"remove","path":"/spec/volumeBackups/0/volumeGroupSnapshotName"}]`)
	if err == nil || !strings.Contains(err.Error(), "its fields can be neither added nor removed") {
		t.Errorf("removing the group: want refused; got %v", err)
	}
}

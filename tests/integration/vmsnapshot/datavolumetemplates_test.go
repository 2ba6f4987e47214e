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
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/framework"
)

// A VM whose disk comes from spec.dataVolumeTemplates (the DataVolume made
// from the template and controlled by the VM, as KubeVirt makes it) is
// snapshotted through the DataVolume's claim, running with a guest agent
// (frozen around the cut) and stopped. Either way the content names the
// DataVolume, and the captured VM keeps its dataVolumeTemplates, which a
// restore needs to make the DataVolume again.
func TestSnapshotOfVMWithDataVolumeTemplate(t *testing.T) {
	for _, tc := range []struct {
		name        string
		running     bool
		indications []snapshotapi.IndicationType
	}{
		{"running with a guest agent", true, []snapshotapi.IndicationType{snapshotapi.IndicationOnline, snapshotapi.IndicationGuestAgent}},
		{"stopped", false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := framework.New(t)
			vm := f.CreateVM("vm", framework.WithDataVolumeTemplate("root"))
			dvName := framework.ClaimName(vm.Name, "root")
			if dv := f.GetDataVolume(dvName); !metav1.IsControlledBy(dv, vm) {
				t.Fatalf("DataVolume %s owners %+v; want it controlled by VM %s, as KubeVirt makes it from the template", dvName, dv.OwnerReferences, vm.Name)
			}
			if tc.running {
				f.StartVM(vm, true)
			}
			f.CreateSnapshot("snap", vm.Name)

			snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
			requireIndications(t, snap, tc.indications...)
			requireIncluded(t, snap, "root")
			if !ptr.Deref(snap.Status.Consistent, false) {
				t.Errorf("want a consistent snapshot; got %s", framework.DescribeSnapshot(snap))
			}
			content := f.ContentOf(snap)
			if tc.running {
				requireOneFreezeAroundCut(t, f, vm.Name, f.VolumeSnapshotsOf(content))
			} else if calls := f.VirtAPICalls(vm.Name); len(calls) > 0 {
				t.Errorf("a stopped VM must not be frozen; got %s", describeCalls(calls))
			}

			if len(content.Spec.VolumeBackups) != 1 {
				t.Fatalf("want 1 volumeBackup; got %+v", content.Spec.VolumeBackups)
			}
			backup := content.Spec.VolumeBackups[0]
			if backup.VolumeName != "root" || ptr.Deref(backup.DataVolumeName, "") != dvName || backup.PersistentVolumeClaim.Name != dvName {
				t.Errorf("volumeBackup: want volume root on DataVolume and claim %s; got volume %s, dataVolumeName %q, claim %q",
					dvName, backup.VolumeName, ptr.Deref(backup.DataVolumeName, ""), backup.PersistentVolumeClaim.Name)
			}
			vs := f.VolumeSnapshotsOf(content)[0]
			if source := ptr.Deref(vs.Spec.Source.PersistentVolumeClaimName, ""); source != dvName {
				t.Errorf("VolumeSnapshot %s is of claim %q, want the DataVolume's claim %s", vs.Name, source, dvName)
			}

			captured := content.Spec.Source.VirtualMachine
			if captured == nil {
				t.Fatalf("content %s captured no VM", content.Name)
			}
			live := f.GetVM(vm.Name)
			if len(captured.Spec.DataVolumeTemplates) != 1 || !equality.Semantic.DeepEqual(captured.Spec.DataVolumeTemplates, live.Spec.DataVolumeTemplates) {
				t.Errorf("captured dataVolumeTemplates %+v; want the VM's %+v", captured.Spec.DataVolumeTemplates, live.Spec.DataVolumeTemplates)
			}
			if got := dataVolumeOf(captured, "root"); got != dvName {
				t.Errorf("captured volume root on DataVolume %q, want %s", got, dvName)
			}
		})
	}
}

// dataVolumeOf is the DataVolume a VM volume uses, or "".
func dataVolumeOf(vm *kubevirtv1.VirtualMachine, volume string) string {
	for _, v := range vm.Spec.Template.Spec.Volumes {
		if v.Name == volume && v.DataVolume != nil {
			return v.DataVolume.Name
		}
	}
	return ""
}

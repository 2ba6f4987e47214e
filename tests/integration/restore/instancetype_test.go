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

package restore

import (
	"encoding/json"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubevirtv1 "kubevirt.io/api/core/v1"
	instancetypev1beta1 "kubevirt.io/api/instancetype/v1beta1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/restore"
	"vmsnap.io/vmsnap/tests/framework"
)

// A VM with an instancetype and a preference runs from the
// ControllerRevisions KubeVirt stored for it. The snapshot captures them;
// after the instancetype was changed and the VM moved to another one, a
// restore as a new VM gives the new VM revisions of its own, equal to the
// captured ones, and a restore in place points the VM back at a revision
// equal to the captured instancetype (made again) and keeps the preference
// revision, which did not change.
func TestRestoreVMWithInstancetype(t *testing.T) {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1), framework.WithInstancetype(1))
	source := map[snapshotapi.InstancetypeMatcher]*appsv1.ControllerRevision{}
	for _, m := range controller.InstancetypeMatchers {
		ref, _ := controller.InstancetypeRefOf(vm, m)
		source[m] = f.GetRevision(ref.Revision)
	}

	snap := readySnapshot(f, "snap", vm.Name)
	content := f.ContentOf(snap)
	captured := map[snapshotapi.InstancetypeMatcher]snapshotapi.InstancetypeRevision{}
	for _, c := range content.Spec.InstancetypeRevisions {
		captured[c.Matcher] = c
	}
	for _, m := range controller.InstancetypeMatchers {
		c, ok := captured[m]
		switch {
		case !ok:
			t.Fatalf("the content captured no %s revision: %+v", m, content.Spec.InstancetypeRevisions)
		case c.Name != source[m].Name || !controller.SameInstancetypeData(c.Data, source[m].Data):
			t.Errorf("the content's %s revision is %s with %s; want a copy of %s with %s", m, c.Name, c.Data.Raw, source[m].Name, source[m].Data.Raw)
		}
	}

	// After the snapshot the instancetype gets 4 vCPUs, and the VM moves to
	// another instancetype, whose revision KubeVirt stores.
	it, err := f.KubeVirt.InstancetypeV1beta1().VirtualMachineInstancetypes(f.Namespace).Get(f.Context(), vm.Spec.Instancetype.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	it.Spec.CPU.Guest = 4
	if _, err := f.KubeVirt.InstancetypeV1beta1().VirtualMachineInstancetypes(f.Namespace).Update(f.Context(), it, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	large := f.CreateInstancetype(framework.NewInstancetype(f.Namespace, "large", 8))
	f.UpdateVM(vm.Name, func(vm *kubevirtv1.VirtualMachine) { vm.Spec.Instancetype.Name = large.Name })
	f.StoreInstancetypeRevisions(vm.Name)

	t.Run("as a new VM", func(t *testing.T) {
		r := f.CreateRestore("copy", snap.Name, renameAll("copy")...)
		r = waitReady(t, f, r.Name)
		copied := f.GetVM("copy")
		for _, m := range controller.InstancetypeMatchers {
			name := restore.RestoredRevisionName(r.UID, m)
			requireRevision(t, f, r, copied, m, name, captured[m].Data)
			requireResults(t, r, map[string]snapshotapi.ResourceResult{"ControllerRevision " + name: snapshotapi.ResourceCreated})
		}
		if got := copied.Spec.Instancetype.Name; got != it.Name {
			t.Errorf("the new VM's instancetype is %s, want %s as in the snapshot", got, it.Name)
		}
	})

	t.Run("in place", func(t *testing.T) {
		r := f.CreateRestore("back", snap.Name)
		r = waitReady(t, f, r.Name)
		restored := f.GetVM(vm.Name)
		if restored.UID != vm.UID {
			t.Fatalf("the VM was created again (UID %s, was %s)", restored.UID, vm.UID)
		}
		if got := restored.Spec.Instancetype.Name; got != it.Name {
			t.Errorf("the VM's instancetype is %s, want %s again", got, it.Name)
		}
		made := restore.RestoredRevisionName(r.UID, snapshotapi.MatcherInstancetype)
		requireRevision(t, f, r, restored, snapshotapi.MatcherInstancetype, made, captured[snapshotapi.MatcherInstancetype].Data)
		var held instancetypev1beta1.VirtualMachineInstancetype
		if err := json.Unmarshal(f.GetRevision(made).Data.Raw, &held); err != nil || held.Spec.CPU.Guest != 1 {
			t.Errorf("ControllerRevision %s holds %d vCPUs (%v); want 1, as the instancetype was at the snapshot", made, held.Spec.CPU.Guest, err)
		}
		// The preference did not change: the VM keeps the revision it had.
		kept := source[snapshotapi.MatcherPreference].Name
		if got := restored.Spec.Preference.RevisionName; got != kept {
			t.Errorf("the VM's preference revision is %q, want %s, which holds the snapshot's preference", got, kept)
		}
		requireResults(t, r, map[string]snapshotapi.ResourceResult{
			"ControllerRevision " + made: snapshotapi.ResourceCreated,
			"ControllerRevision " + kept: snapshotapi.ResourceUnchanged,
		})
	})

	// Deleting the restores leaves the revisions the VMs run from.
	for _, name := range []string{"copy", "back"} {
		r := f.GetRestore(name)
		f.DeleteRestore(name)
		f.WaitForRestoreGone(name)
		for _, m := range controller.InstancetypeMatchers {
			if m == snapshotapi.MatcherPreference && name == "back" {
				continue
			}
			f.GetRevision(restore.RestoredRevisionName(r.UID, m))
		}
	}
}

// requireRevision checks that the VM points a matcher at a revision that
// it controls, that the Ready restore handed over, with the captured data
// and KubeVirt's labels of the object.
func requireRevision(t *testing.T, f *framework.Framework, r *snapshotapi.VirtualMachineRestore, vm *kubevirtv1.VirtualMachine,
	m snapshotapi.InstancetypeMatcher, name string, data runtime.RawExtension,
) {
	t.Helper()
	ref, _ := controller.InstancetypeRefOf(vm, m)
	if ref.Revision != name {
		t.Errorf("VirtualMachine %s runs its %s from revision %q, want %s", vm.Name, m, ref.Revision, name)
	}
	rev := f.GetRevision(name)
	if !metav1.IsControlledBy(rev, vm) {
		t.Errorf("ControllerRevision %s has owners %+v; want VirtualMachine %s as its controller, as KubeVirt makes them", name, rev.OwnerReferences, vm.Name)
	}
	if heldByRestore(rev, r) {
		t.Errorf("ControllerRevision %s still carries the owner reference of the Ready restore", name)
	}
	if !controller.SameInstancetypeData(rev.Data, data) {
		t.Errorf("ControllerRevision %s holds %s, want the snapshot's %s", name, rev.Data.Raw, data.Raw)
	}
	if rev.Labels["instancetype.kubevirt.io/object-name"] == "" {
		t.Errorf("ControllerRevision %s has labels %v; want KubeVirt's labels of the object it holds", name, rev.Labels)
	}
}

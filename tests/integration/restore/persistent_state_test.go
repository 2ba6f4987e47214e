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
	"maps"
	"slices"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/restore"
	"vmsnap.io/vmsnap/tests/framework"
)

// requirePersistentStateRestored checks that KubeVirt would find exactly one
// backend-storage claim for the VM: the restore's, restored from the
// snapshot's VolumeSnapshot of the persistent state, controlled by the VM
// and no longer owned by the restore.
func requirePersistentStateRestored(t *testing.T, f *framework.Framework, r *snapshotapi.VirtualMachineRestore,
	content *snapshotapi.VirtualMachineSnapshotContent, vmName string,
) {
	t.Helper()
	name := restore.PersistentStateClaimName(vmName, r.UID)
	f.WaitForOnePersistentState(vmName, name)
	claim := requireRestoredClaim(t, f, r, name, volumeSnapshotOf(content, controller.PersistentStateVolumeName))
	vm := f.GetVM(vmName)
	if !metav1.IsControlledBy(claim, vm) {
		t.Errorf("claim %s has owners %+v; want VirtualMachine %s as its controller, as KubeVirt makes them", name, claim.OwnerReferences, vmName)
	}
	if ownedBy := heldByRestore(claim, r); ownedBy {
		t.Errorf("claim %s still carries the owner reference of the Ready restore", name)
	}
	for _, v := range vm.Spec.Template.Spec.Volumes {
		if v.Name == controller.PersistentStateVolumeName {
			t.Errorf("VirtualMachine %s has a volume %s; the backend storage is no VM volume", vmName, v.Name)
		}
	}
	found := false
	for _, vr := range r.Status.Restores {
		found = found || vr.VolumeName == controller.PersistentStateVolumeName && vr.PersistentVolumeClaimName == name
	}
	if !found {
		t.Errorf("status.restores %+v: want the persistent state restored to %s", r.Status.Restores, name)
	}
}

// stateWatch records, from a watch of the namespace's claims (whose
// events come in the order the API server wrote them), the most claims
// KubeVirt could have taken as the VM's backend storage at one moment.
type stateWatch struct {
	mu   sync.Mutex
	most []string
	stop func()
}

func watchPersistentState(t *testing.T, f *framework.Framework, vmName string) *stateWatch {
	t.Helper()
	w, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Watch(f.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("watching PersistentVolumeClaims: %v", err)
	}
	s := &stateWatch{stop: w.Stop}
	go func() {
		live := map[string]*corev1.PersistentVolumeClaim{}
		for ev := range w.ResultChan() {
			claim, ok := ev.Object.(*corev1.PersistentVolumeClaim)
			if !ok {
				continue
			}
			if ev.Type == watch.Deleted {
				delete(live, claim.Name)
			} else {
				live[claim.Name] = claim
			}
			var names []string
			for _, c := range controller.PersistentStateClaims(slices.Collect(maps.Values(live)), vmName) {
				names = append(names, c.Name)
			}
			s.mu.Lock()
			if len(names) > len(s.most) {
				s.most = names
			}
			s.mu.Unlock()
		}
	}()
	t.Cleanup(w.Stop)
	return s
}

// requireNeverTwo stops the watch and checks that KubeVirt never had a
// choice of claims.
func (s *stateWatch) requireNeverTwo(t *testing.T) {
	t.Helper()
	s.stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.most) > 1 {
		t.Errorf("at one moment KubeVirt could take any of claims %v as the VM's backend storage", s.most)
	}
}

// heldByRestore reports whether an object carries the restore's owner reference.
func heldByRestore(obj metav1.Object, r *snapshotapi.VirtualMachineRestore) bool {
	for _, o := range obj.GetOwnerReferences() {
		if o.UID == r.UID {
			return true
		}
	}
	return false
}

// A VM with a persistent TPM restored as a new VM: the new VM gets its own
// backend-storage claim, labelled for it, from the snapshot's; the source
// VM keeps its own.
func TestRestorePersistentTPMAsNewVM(t *testing.T) {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1), framework.WithPersistentTPM())
	state := f.CreatePersistentState(vm)
	snap := readySnapshot(f, "snap", vm.Name)
	content := f.ContentOf(snap)

	r := f.CreateRestore("restore", "snap", framework.Rename("VirtualMachine", "vm", "copy"),
		framework.Rename("PersistentVolumeClaim", framework.ClaimName("vm", "disk0"), "copy-disk0"))
	r = waitReady(t, f, r.Name)

	requirePersistentStateRestored(t, f, r, content, "copy")
	requireResults(t, r, map[string]snapshotapi.ResourceResult{
		"VirtualMachine copy": snapshotapi.ResourceCreated,
		"PersistentVolumeClaim " + restore.PersistentStateClaimName("copy", r.UID): snapshotapi.ResourceCreated,
	})
	f.WaitForOnePersistentState(vm.Name, state.Name)
}

// A VM with persistent EFI variables restored in place: its backend-storage
// claim is replaced by one restored from the snapshot, and at the end
// KubeVirt finds exactly that one.
func TestRestorePersistentEFIInPlace(t *testing.T) {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1), framework.WithPersistentEFI())
	state := f.CreatePersistentState(vm)
	snap := readySnapshot(f, "snap", vm.Name)
	content := f.ContentOf(snap)

	watch := watchPersistentState(t, f, vm.Name)
	r := f.CreateRestore("restore", "snap")
	r = waitReady(t, f, r.Name)

	requirePersistentStateRestored(t, f, r, content, vm.Name)
	watch.requireNeverTwo(t)
	requireResults(t, r, map[string]snapshotapi.ResourceResult{
		"VirtualMachine vm":                   snapshotapi.ResourceReplaced,
		"PersistentVolumeClaim " + state.Name: snapshotapi.ResourceReplaced,
	})
	f.WaitForClaimGone(state.Name)
	if live := f.GetVM(vm.Name); restoreInProgress(live) != "" || live.UID != vm.UID {
		t.Errorf("VM restoreInProgress %q, UID %s (was %s); want unlocked, the same VM", restoreInProgress(live), live.UID, vm.UID)
	}

	// Restored again: the claim the first restore made is replaced in turn.
	r2 := f.CreateRestore("again", "snap")
	r2 = waitReady(t, f, r2.Name)
	requirePersistentStateRestored(t, f, r2, content, vm.Name)
	f.WaitForClaimGone(restore.PersistentStateClaimName(vm.Name, r.UID))
}

// A snapshot of a VM with a persistent TPM that had never run holds no
// state: an in-place restore deletes the state the VM gathered since, and
// KubeVirt starts it with a fresh one.
func TestRestoreInPlaceOfStateNeverGathered(t *testing.T) {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1), framework.WithPersistentTPM())
	readySnapshot(f, "snap", vm.Name)
	state := f.CreatePersistentState(f.GetVM(vm.Name))

	r := f.CreateRestore("restore", "snap")
	r = waitReady(t, f, r.Name)
	requireResults(t, r, map[string]snapshotapi.ResourceResult{"PersistentVolumeClaim " + state.Name: snapshotapi.ResourceReplaced})
	f.WaitForClaimGone(state.Name)
	if claims := f.PersistentStateClaims(vm.Name); len(claims) != 0 {
		t.Errorf("backend-storage claims %v left; want none", claims)
	}
}

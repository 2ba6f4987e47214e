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
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"
	cdiv1 "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/restore"
	"vmsnap.io/vmsnap/tests/framework"
)

// claimCollectionTimeout bounds the wait for the garbage collector to delete
// the claim of a deleted DataVolume.
const claimCollectionTimeout = 3 * time.Minute

// A VM whose disk comes from spec.dataVolumeTemplates, restored as a new VM
// with nameReplacements for the VM and the DataVolume: the new VM's
// template and volume carry the new name, the claim of that name is
// restored from the VolumeSnapshot, and the DataVolume of that name, made
// from the template, is marked pre-populated (so that CDI adopts the claim
// instead of importing) and controlled by the new VM, as KubeVirt would
// make it. Once Ready, the restore hands everything over.
func TestRestoreDataVolumeTemplateAsNewVM(t *testing.T) {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithDataVolumeTemplate("root"))
	content := f.ContentOf(readySnapshot(f, "snap", vm.Name))
	f.CreateRestore("restore", "snap", framework.Rename("VirtualMachine", "vm", "vm2"), framework.Rename("DataVolume", "vm-root", "vm2-root"))
	r := waitReady(t, f, "restore")

	created := f.GetVM("vm2")
	templates := created.Spec.DataVolumeTemplates
	if len(templates) != 1 || templates[0].Name != "vm2-root" || templates[0].Annotations[cdiv1.AnnPrePopulated] != "vm2-root" {
		t.Errorf("new VM dataVolumeTemplates %+v; want one, vm2-root, marked pre-populated", templates)
	} else if source := vm.Spec.DataVolumeTemplates[0].Spec; !equality.Semantic.DeepEqual(templates[0].Spec, source) {
		t.Errorf("new VM template spec %+v; want the snapshot's %+v", templates[0].Spec, source)
	}
	if got := volumeClaim(created, "root"); got != "vm2-root" {
		t.Errorf("new VM volume root on DataVolume %s, want vm2-root", got)
	}
	requireRestoredClaim(t, f, r, "vm2-root", volumeSnapshotOf(content, "root"))

	dv := f.GetDataVolume("vm2-root")
	if dv.Annotations[cdiv1.AnnPrePopulated] != "vm2-root" {
		t.Errorf("DataVolume vm2-root annotations %v: want it pre-populated by claim vm2-root", dv.Annotations)
	}
	if !metav1.IsControlledBy(dv, created) {
		t.Errorf("DataVolume vm2-root owners %+v: want it controlled by the new VM %s (UID %s)", dv.OwnerReferences, created.Name, created.UID)
	}
	if dv.Spec.Source == nil || dv.Spec.Source.Blank == nil {
		t.Errorf("DataVolume vm2-root source %+v: want the template's (blank), not a second copy of the data", dv.Spec.Source)
	}
	requireResults(t, r, map[string]snapshotapi.ResourceResult{
		"VirtualMachine vm2":             snapshotapi.ResourceCreated,
		"PersistentVolumeClaim vm2-root": snapshotapi.ResourceCreated,
		"DataVolume vm2-root":            snapshotapi.ResourceCreated,
	})
	for _, x := range r.Status.Restores {
		if x.VolumeName == "root" && (x.DataVolumeName == nil || *x.DataVolumeName != "vm2-root") {
			t.Errorf("status.restores %+v: want volume root on DataVolume vm2-root", r.Status.Restores)
		}
	}

	// Handed over once Ready: the restore's owner reference is gone from
	// the VM, the claim and the DataVolume, and the VM still controls the
	// DataVolume.
	r = f.WaitForRestoreCondition("restore", restore.ConditionCleanedUp, metav1.ConditionTrue, restore.ReasonHandedOver, framework.DefaultTimeout)
	if msg := condition(r, restore.ConditionCleanedUp).Message; !strings.Contains(msg, "DataVolume vm2-root") {
		t.Errorf("CleanedUp message %q; want it to name DataVolume vm2-root as handed over", msg)
	}
	dv = f.GetDataVolume("vm2-root")
	if ownerOf(r, dv) || !metav1.IsControlledBy(dv, created) {
		t.Errorf("DataVolume vm2-root owners after the hand-over %+v; want the new VM's alone", dv.OwnerReferences)
	}
	if claim := f.GetClaim("vm2-root"); ownerOf(r, claim) {
		t.Errorf("claim vm2-root owners after the hand-over %+v; want none of the restore", claim.OwnerReferences)
	}
	if ownerOf(r, f.GetVM("vm2")) {
		t.Errorf("VM vm2 is still owned by the restore after the hand-over")
	}

	// The source VM and its DataVolume are left alone.
	source := f.GetVM("vm")
	if source.Spec.DataVolumeTemplates[0].Name != "vm-root" || volumeClaim(source, "root") != "vm-root" {
		t.Errorf("the source VM was changed: templates %+v, volume root on %s", source.Spec.DataVolumeTemplates, volumeClaim(source, "root"))
	}
	if old := f.GetDataVolume("vm-root"); !metav1.IsControlledBy(old, vm) {
		t.Errorf("the source VM's DataVolume owners %+v; want it still the source VM's", old.OwnerReferences)
	}
}

// A stopped VM whose disk comes from spec.dataVolumeTemplates, restored in
// place: the disk is a new claim restore-<uid>-root from the VolumeSnapshot
// with a DataVolume of that name controlled by the VM, the VM's template
// and volume point at it, and the old DataVolume, which the VM no longer
// uses, is deleted with its claim.
func TestRestoreDataVolumeTemplateInPlace(t *testing.T) {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithDataVolumeTemplate("root"))
	content := f.ContentOf(readySnapshot(f, "snap", vm.Name))
	oldClaim := f.GetClaim("vm-root")

	r := waitReady(t, f, f.CreateRestore("restore", "snap").Name)
	name := restore.RandomizedClaimName(r.UID, "root")

	live := f.GetVM(vm.Name)
	if live.UID != vm.UID {
		t.Fatalf("the VM was created again (UID %s, was %s); an in-place restore replaces its spec", live.UID, vm.UID)
	}
	templates := live.Spec.DataVolumeTemplates
	if len(templates) != 1 || templates[0].Name != name || templates[0].Annotations[cdiv1.AnnPrePopulated] != name {
		t.Errorf("VM dataVolumeTemplates %+v; want one, %s, marked pre-populated", templates, name)
	}
	if got := volumeClaim(live, "root"); got != name {
		t.Errorf("VM volume root on DataVolume %s, want the restored %s", got, name)
	}
	if restoreInProgress(live) != "" || runStrategy(live) != kubevirtv1.RunStrategyHalted {
		t.Errorf("VM restoreInProgress %q run strategy %s; want unlocked and still Halted", restoreInProgress(live), runStrategy(live))
	}
	claim := requireRestoredClaim(t, f, r, name, volumeSnapshotOf(content, "root"))
	if claim.Annotations["cdi.kubevirt.io/storage.populatedFor"] != name {
		t.Errorf("claim %s annotations %v: want it marked populated for DataVolume %s", name, claim.Annotations, name)
	}
	dv := f.GetDataVolume(name)
	if dv.Annotations[cdiv1.AnnPrePopulated] != name || !metav1.IsControlledBy(dv, live) {
		t.Errorf("DataVolume %s: annotations %v owners %+v; want pre-populated and controlled by the VM", name, dv.Annotations, dv.OwnerReferences)
	}
	requireResults(t, r, map[string]snapshotapi.ResourceResult{
		"VirtualMachine vm":             snapshotapi.ResourceReplaced,
		"PersistentVolumeClaim " + name: snapshotapi.ResourceCreated,
		"DataVolume " + name:            snapshotapi.ResourceCreated,
	})

	// The old DataVolume was the VM's and is no longer used: the restore
	// deletes it, and the garbage collector its claim.
	if msg := condition(r, snapshotapi.ConditionReady).Message; !strings.Contains(msg, "DataVolume vm-root") {
		t.Errorf("Ready message %q: want it to name the deleted old DataVolume vm-root", msg)
	}
	f.WaitForDataVolumeGone("vm-root")
	// The garbage collector learns of the DataVolume kind, installed after
	// kube-controller-manager started, only at its discovery resync (30s),
	// and retries a dependent of an unknown kind with backoff: a claim
	// whose DataVolume goes early in a test binary goes up to a minute later.
	f.Eventually("persistentvolumeclaim "+f.Namespace+"/"+oldClaim.Name, "deleted with its DataVolume", claimCollectionTimeout,
		func(ctx context.Context) (bool, string, error) {
			claim, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Get(ctx, oldClaim.Name, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
				return true, "gone", nil
			case err != nil:
				return false, "", err
			}
			return claim.UID != oldClaim.UID, fmt.Sprintf("%s, owners %+v", framework.DescribeClaim(claim), claim.OwnerReferences), nil
		})
	f.WaitForRestoreCondition("restore", restore.ConditionCleanedUp, metav1.ConditionTrue, restore.ReasonHandedOver, framework.DefaultTimeout)
	if dv := f.GetDataVolume(name); ownerOf(r, dv) || !metav1.IsControlledBy(dv, live) {
		t.Errorf("DataVolume %s owners after the hand-over %+v; want the VM's alone", name, dv.OwnerReferences)
	}
}

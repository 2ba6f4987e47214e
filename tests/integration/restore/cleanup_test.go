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
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/restore"
	"vmsnap.io/vmsnap/tests/framework"
)

// ownerOf reports whether the restore is among an object's owners, which
// the garbage collector follows once the restore is gone.
func ownerOf(r *snapshotapi.VirtualMachineRestore, obj metav1.Object) bool {
	return slices.ContainsFunc(obj.GetOwnerReferences(), func(o metav1.OwnerReference) bool { return o.UID == r.UID })
}

// requireSurvives checks, for a while, that the objects still exist and are
// not being deleted: the garbage collector acts within a second here.
func requireSurvives(f *framework.Framework, claims []string, vms ...string) {
	f.Consistently("namespace "+f.Namespace, "claims "+joinNames(claims)+" and VMs "+joinNames(vms)+" still there", 3*time.Second,
		func(ctx context.Context) (bool, string, error) {
			for _, name := range claims {
				claim, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Get(ctx, name, metav1.GetOptions{})
				if apierrors.IsNotFound(err) || (err == nil && claim.DeletionTimestamp != nil) {
					return false, "claim " + name + " is gone or going", nil
				}
				if err != nil {
					return false, "", err
				}
			}
			for _, name := range vms {
				vm, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, name, metav1.GetOptions{})
				if apierrors.IsNotFound(err) || (err == nil && vm.DeletionTimestamp != nil) {
					return false, "VirtualMachine " + name + " is gone or going", nil
				}
				if err != nil {
					return false, "", err
				}
			}
			return true, "all there", nil
		})
}

func joinNames(names []string) string { return "[" + strings.Join(names, ", ") + "]" }

// A restored disk that the user attached to another VM while the restore
// was stuck survives the restore's failure, its cleanup and its deletion:
// the cleanup keeps what a VM uses and hands it over, so the garbage
// collector does not follow the restore's owner reference to it either.
func TestFailedRestoreSparesADiskAttachedToAnotherVM(t *testing.T) {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2))
	readySnapshot(f, "snap", vm.Name)
	r, lift := stallAfterFirstClaim(t, f, framework.RestoreDeadline(12*time.Second))
	defer lift()
	attached := restore.RandomizedClaimName(r.UID, "disk0")
	f.CreateVM("other", framework.WithExistingClaim("data", attached))

	r = f.WaitForRestoreCondition("restore", restore.ConditionCleanedUp, metav1.ConditionTrue, restore.ReasonCleanedUp, framework.DefaultTimeout)
	if r.Status.Phase != snapshotapi.RestoreFailed {
		t.Errorf("want Failed at the deadline; got %s", framework.DescribeRestore(r))
	}
	if claim := f.GetClaim(attached); ownerOf(r, claim) {
		t.Errorf("claim %s, used by VM other, is still owned by the restore: %v", attached, claim.OwnerReferences)
	}
	if live := f.GetVM(vm.Name); restoreInProgress(live) != "" {
		t.Errorf("VM still locked by %q after the restore failed", restoreInProgress(live))
	}

	f.DeleteRestore("restore")
	f.WaitForRestoreGone("restore")
	requireSurvives(f, []string{attached}, "other")
}

// Deleting a Ready restore leaves what it restored: the restore handed it
// over, so the garbage collector has no owner reference to follow.
func TestDeletingAReadyRestoreKeepsWhatItRestored(t *testing.T) {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2), framework.WithCloudInit())
	readySnapshot(f, "snap", vm.Name)
	f.CreateRestore("restore", "snap", renameAll("vm2")...)
	waitReady(t, f, "restore")
	r := f.WaitForRestoreCondition("restore", restore.ConditionCleanedUp, metav1.ConditionTrue, restore.ReasonHandedOver, framework.DefaultTimeout)
	claims := []string{"vm2-disk0", "vm2-disk1"}
	for _, name := range claims {
		if claim := f.GetClaim(name); ownerOf(r, claim) {
			t.Errorf("claim %s is still owned by the Ready restore: %v", name, claim.OwnerReferences)
		}
	}
	if restored := f.GetVM("vm2"); ownerOf(r, restored) {
		t.Errorf("VM vm2 is still owned by the Ready restore: %v", restored.OwnerReferences)
	}

	f.DeleteRestore("restore")
	f.WaitForRestoreGone("restore")
	requireSurvives(f, claims, "vm2")
}

// A failed restore cannot delete the Secrets it made (the controller may
// not delete Secrets): they stay under its owner reference. A new restore
// that would recreate one waits with NameConflict rather than take it,
// since the garbage collector would take it from the new VM; deleting the
// failed restore lets the collector remove it, and the new restore goes on.
func TestAFailedRestoresSecretsGoWithIt(t *testing.T) {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2), framework.WithCloudInit())
	readySnapshot(f, "snap", vm.Name)
	secretName := framework.CloudInitSecretName("vm2")

	lift := f.DenyClaimCreation("-disk1")
	f.CreateRestore("failed", "snap", append(renameAll("vm2"), framework.RestoreDeadline(10*time.Second))...)
	failed := f.WaitForRestoreCondition("failed", restore.ConditionCleanedUp, metav1.ConditionTrue, restore.ReasonCleanedUp, framework.DefaultTimeout)
	lift()
	if failed.Status.Phase != snapshotapi.RestoreFailed {
		t.Fatalf("want Failed at the deadline; got %s", framework.DescribeRestore(failed))
	}
	secret, err := f.Kube.CoreV1().Secrets(f.Namespace).Get(f.Context(), secretName, metav1.GetOptions{})
	if err != nil || !ownerOf(failed, secret) {
		t.Fatalf("Secret %s of the failed restore: %v; want it left under the restore's owner reference", secretName, err)
	}
	cleaned := apimeta.FindStatusCondition(failed.Status.Conditions, restore.ConditionCleanedUp)
	if !strings.Contains(cleaned.Message, "garbage collector: Secret "+secretName) || !strings.Contains(cleaned.Message, "removed PersistentVolumeClaim vm2-disk0") {
		t.Errorf("CleanedUp: %q; want it to name the claim removed and the Secret left to the garbage collector", cleaned.Message)
	}

	f.CreateRestore("retry", "snap", renameAll("vm2")...)
	retry := f.WaitForRestoreCondition("retry", snapshotapi.ConditionReady, metav1.ConditionFalse, restore.ReasonNameConflict, framework.DefaultTimeout)
	if ready := apimeta.FindStatusCondition(retry.Status.Conditions, snapshotapi.ConditionReady); !strings.Contains(ready.Message, "Secret "+secretName+" belongs to VirtualMachineRestore failed") {
		t.Errorf("Ready: %q; want it to name the Secret and the restore that holds it", ready.Message)
	}
	if retry.Status.Phase != snapshotapi.RestorePending {
		t.Errorf("want the new restore Pending while the Secret is held; got %s", framework.DescribeRestore(retry))
	}

	f.DeleteRestore("failed")
	f.WaitForRestoreGone("failed")
	retry = waitReady(t, f, "retry")
	secret, err = f.Kube.CoreV1().Secrets(f.Namespace).Get(f.Context(), secretName, metav1.GetOptions{})
	if err != nil || ownerOf(failed, secret) || string(secret.Data["userdata"]) == "" {
		t.Fatalf("Secret %s after the retry: %v %+v; want it recreated by the new restore", secretName, err, secret)
	}
	if got := cloudInitSecretOf(f.GetVM("vm2")); got != secretName {
		t.Errorf("VM vm2 cloud-init Secret %s, want %s", got, secretName)
	}
}

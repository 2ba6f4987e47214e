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
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/restore"
	"vmsnap.io/vmsnap/tests/framework"
)

// A retained content is bound by a new snapshot after its VM was deleted
// and another VM took the name. The bound snapshot records the UID of the
// VM the content was taken of, so an in-place restore refuses the
// unrelated VM and neither writes it nor touches its disks, even with
// volumeRestorePolicy InPlace. (Before, a bound snapshot recorded no
// source UID, and the restore overwrote the VM that reused the name.)
func TestRestoreOfABoundContentNeverOverwritesAnotherVMOfTheName(t *testing.T) {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	f.CreateSnapshot("snap", vm.Name, framework.WithDeletionPolicy(snapshotapi.DeletionPolicyRetain))
	content := f.ContentOf(f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout))
	f.DeleteSnapshot("snap")
	f.WaitForSnapshotGone("snap")

	if err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Delete(f.Context(), vm.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.Eventually("virtualmachine "+f.Namespace+"/vm", "gone", framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		_, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, vm.Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), "exists", nil
	})
	// Someone else's VM, with a disk claim of its own under another name.
	f.CreateClaim("theirs", "")
	other := f.CreateVM("vm", framework.WithExistingClaim("disk0", "theirs"))
	otherClaim := f.GetClaim("theirs")
	oldClaim := f.GetClaim(framework.ClaimName("vm", "disk0"))

	f.CreateSnapshot("rebound", "", framework.FromContent(content.Name))
	rebound := f.WaitForSnapshotPhase("rebound", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	if got := ptr.Deref(rebound.Status.SourceUID, ""); got != vm.UID {
		t.Errorf("the bound snapshot's sourceUID %q; want the UID %s of the VM its content was taken of", got, vm.UID)
	}

	f.CreateRestore("restore", "rebound", framework.WithVolumeRestorePolicy(snapshotapi.VolumeRestoreInPlace))
	failed := f.WaitForRestorePhase("restore", snapshotapi.RestoreFailed, framework.DefaultTimeout)
	ready := condition(failed, snapshotapi.ConditionReady)
	if ready.Reason != restore.ReasonTargetIsAnotherVM || !strings.Contains(ready.Message, "deleted and created again") {
		t.Errorf("want Ready=False %s saying the VM was created again; got %s: %s", restore.ReasonTargetIsAnotherVM, ready.Reason, ready.Message)
	}
	if live := f.GetVM("vm"); live.UID != other.UID || live.ResourceVersion != other.ResourceVersion {
		t.Errorf("the other VM was written to or replaced (resourceVersion %s, was %s)", live.ResourceVersion, other.ResourceVersion)
	}
	if claim := f.GetClaim(otherClaim.Name); claim.UID != otherClaim.UID || claim.DeletionTimestamp != nil {
		t.Errorf("the other VM's claim %s was replaced or is being deleted", otherClaim.Name)
	}
	if claim := f.GetClaim(oldClaim.Name); claim.UID != oldClaim.UID || claim.DeletionTimestamp != nil {
		t.Errorf("claim %s was replaced or is being deleted", oldClaim.Name)
	}
}
